namespace Distlog.Protocol;

/// <summary>Number text for the JSON sink.</summary>
internal static class JsonNumbers
{
    /// <summary>
    /// Writes a value that is a whole number of ten-thousandths — milliseconds from .NET ticks (<c>msecs</c>,
    /// <c>relativeCreated</c>, <c>elapsed_ms</c>) — from its digits, the same text the general formatter gives
    /// (the shortest that reads back as the same double) at a fraction of its cost.
    /// </summary>
    /// <remarks>Below 10^11 a double has far more precision than four decimals, so no shorter text can stand for
    /// the same value: the decimal digits, trailing zeros dropped, are the shortest round trip.
    /// <paramref name="destination"/> must hold 24 bytes.</remarks>
    public static bool TryWriteTenThousandths(double value, Span<byte> destination, out int written)
    {
        written = 0;
        if (!(Math.Abs(value) < 1e11) || value == 0)
        {
            return false;
        }

        double scaled = Math.Round(value * 10_000);
        if (scaled / 10_000 != value)
        {
            return false;
        }

        long n = (long)scaled;
        Span<byte> text = stackalloc byte[24];
        int end = text.Length;
        bool negative = n < 0;
        ulong digits = (ulong)Math.Abs(n);
        ulong fraction = digits % 10_000;
        ulong whole = digits / 10_000;
        if (fraction != 0)
        {
            int places = 4;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                places--;
            }

            for (int i = 0; i < places; i++)
            {
                text[--end] = (byte)('0' + (int)(fraction % 10));
                fraction /= 10;
            }

            text[--end] = (byte)'.';
        }

        do
        {
            text[--end] = (byte)('0' + (int)(whole % 10));
            whole /= 10;
        }
        while (whole != 0);

        if (negative)
        {
            text[--end] = (byte)'-';
        }

        text[end..].CopyTo(destination);
        written = text.Length - end;
        return true;
    }
}
