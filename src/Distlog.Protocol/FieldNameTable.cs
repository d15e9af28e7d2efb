using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Distlog.Protocol;

/// <summary>
/// The record's own field names (<see cref="Fields"/>) mapped to what a sink writes for them, encoded once. A name is
/// found by reference — the record writer passes the very constants of <see cref="Fields"/> — in a small
/// open-addressed table: an identity hash and a compare, where a dictionary lookup per field was a tenth of
/// encoding a record. Any other string (the application's data) is not found, and the sink writes it as usual.
/// </summary>
/// <typeparam name="T">The encoded form.</typeparam>
internal sealed class FieldNameTable<T>
    where T : class
{
    private const int Mask = 127;
    private readonly (string? Name, T? Value)[] _slots = new (string?, T?)[Mask + 1];

    public FieldNameTable(Func<string, T> encode)
    {
        foreach (string name in Fields.All.Distinct())
        {
            int slot = RuntimeHelpers.GetHashCode(name) & Mask;
            while (_slots[slot].Name is not null)
            {
                slot = (slot + 1) & Mask;
            }

            _slots[slot] = (name, encode(name));
        }
    }

    /// <summary>The encoded form of <paramref name="name"/> when it is one of the record's field-name constants.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out T? value)
    {
        int slot = RuntimeHelpers.GetHashCode(name) & Mask;
        while (_slots[slot].Name is { } candidate)
        {
            if (ReferenceEquals(candidate, name))
            {
                value = _slots[slot].Value!;
                return true;
            }

            slot = (slot + 1) & Mask;
        }

        value = null;
        return false;
    }
}
