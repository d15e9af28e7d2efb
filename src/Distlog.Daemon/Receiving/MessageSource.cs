using System.Text.RegularExpressions;
using Distlog.Daemon.Security;
using Distlog.Native;
using Distlog.Plugins;
using NetMQ;
using NetMQ.Sockets;

namespace Distlog.Daemon.Receiving;

/// <summary>A bound PULL socket of the receiver: plain (NetMQ) or CURVE (libzmq, behind <see cref="CurveGate"/>).
/// Used by the receiving thread only.</summary>
internal abstract partial class MessageSource : IDisposable
{
    /// <summary>The endpoint bound (a <c>*</c> or <c>0</c> port replaced by the one chosen).</summary>
    public string Endpoint { get; protected init; } = string.Empty;

    /// <summary>Whether what comes in is encrypted, from let-in clients only.</summary>
    public abstract bool Encrypted { get; }

    /// <summary>Who sent the last message, when the socket knows (a CURVE client's name); else null.</summary>
    public virtual string? Peer => null;

    /// <summary>Waits up to <paramref name="wait"/> for a message and adds its frames to <paramref name="frames"/>.</summary>
    public abstract bool TryReceive(TimeSpan wait, List<ReadOnlyMemory<byte>> frames);

    public abstract void Dispose();

    /// <summary>Binds a socket to <paramref name="endpoint"/>: through <paramref name="gate"/> when given.</summary>
    /// <exception cref="PluginConfigurationException">The endpoint is in use, or cannot be bound.</exception>
    public static MessageSource Bind(string endpoint, int maxBodyBytes, CurveGate? gate)
    {
        // A memory guard: a peer that sends far more than the limit is cut off before the frame is held; anything up
        // to four times the limit is received, counted and reported as too large.
        long maxMessage = (long)maxBodyBytes * 4 + 1024;
        try
        {
            return gate is null ? new Plain(endpoint, maxMessage) : new Curve(endpoint, maxMessage, gate);
        }
        catch (Exception ex) when (ex is AddressAlreadyInUseException || ex is BindFailedException { InUse: true })
        {
            throw new PluginConfigurationException($"{endpoint} is in use — is another distlogd running? (or set listen: to another endpoint)");
        }
        catch (BindFailedException ex)
        {
            throw new PluginConfigurationException($"{endpoint} cannot be bound: {ex.Message}");
        }
    }

    [GeneratedRegex(@"^tcp://(?<host>[^:]+):(\*|0)$")]
    private static partial Regex RandomPort();

    private sealed class Plain : MessageSource
    {
        private readonly PullSocket _socket = new();
        private Msg _msg;

        public Plain(string endpoint, long maxMessage)
        {
            _msg.InitEmpty();
            try
            {
                // NetMQ's default linger of zero throws away what a PULL socket received but has not handed out
                // when a sender disconnects; lingering keeps the tail of a client that logs and exits.
                _socket.Options.Linger = TimeSpan.FromSeconds(30);
                _socket.Options.ReceiveHighWatermark = 10_000;
                _socket.Options.MaxMsgSize = maxMessage;
                var match = RandomPort().Match(endpoint);
                if (match.Success)
                {
                    Endpoint = $"tcp://{match.Groups["host"].Value}:{_socket.BindRandomPort("tcp://" + match.Groups["host"].Value)}";
                }
                else
                {
                    _socket.Bind(endpoint);
                    Endpoint = endpoint;
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public override bool Encrypted => false;

        /// <summary>
        /// Each frame's bytes are taken from NetMQ, not copied: the message lets go of its buffer without handing it
        /// back to NetMQ's buffer pool, so NetMQ never reuses it, and the records keep slices of it (a batch's records
        /// share their batch's buffer).
        /// </summary>
        public override bool TryReceive(TimeSpan wait, List<ReadOnlyMemory<byte>> frames)
        {
            if (!_socket.TryReceive(ref _msg, wait))
            {
                return false;
            }

            while (true)
            {
                bool more = _msg.HasMore;
                frames.Add(_msg.Size == 0 ? ReadOnlyMemory<byte>.Empty : _msg.SliceAsMemory());
                _msg.InitEmpty();
                if (!more)
                {
                    return true;
                }

                // ZeroMQ delivers a message whole: its other frames are there once the first is.
                _socket.Receive(ref _msg);
            }
        }

        public override void Dispose()
        {
            _msg.Close();
            _socket.Dispose();
        }
    }

    private sealed class Curve : MessageSource
    {
        private readonly ZmqSocket _socket;
        private readonly List<byte[]> _frames = new(3);

        public Curve(string endpoint, long maxMessage, CurveGate gate)
        {
            _socket = gate.CreateServer(Libzmq.Pull, readsUser: true);
            try
            {
                _socket.Set(Libzmq.OptionReceiveHighWatermark, 10_000);
                _socket.Set(Libzmq.OptionMaxMessageSize, maxMessage);
                Endpoint = _socket.Bind(endpoint);
            }
            catch
            {
                _socket.Dispose();
                throw;
            }
        }

        public override bool Encrypted => true;

        public override string? Peer => _socket.LastUser;

        public override bool TryReceive(TimeSpan wait, List<ReadOnlyMemory<byte>> frames)
        {
            if (!_socket.TryReceive(wait, _frames))
            {
                return false;
            }

            foreach (byte[] frame in _frames)
            {
                frames.Add(frame);
            }

            _frames.Clear();
            return true;
        }

        public override void Dispose() => _socket.Dispose();
    }
}
