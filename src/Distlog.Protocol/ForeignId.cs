namespace Distlog.Protocol;

/// <summary>Checks a task id received from another process: <c>root(/n)*</c>, where root is up to 128 of
/// <c>[A-Za-z0-9._:-]</c> (a UUID, or the original's ids) and each n is a positive number. A record key
/// (<c>seq@id</c>) is accepted for its id.</summary>
internal static class ForeignId
{
    private const int MaxRootLength = 128;
    private const int MaxDepth = 64;

    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxRootLength + (MaxDepth * 11))
        {
            return null;
        }

        text = text.Trim();
        if (text.Contains('@', StringComparison.Ordinal))
        {
            if (!TaskKey.TryParse(text, out var key))
            {
                return null;
            }

            text = key.ScopeId;
        }

        string[] parts = text.Split('/');
        if (parts.Length > MaxDepth + 1 || parts[0].Length is 0 or > MaxRootLength)
        {
            return null;
        }

        foreach (char c in parts[0])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return null;
            }
        }

        for (int i = 1; i < parts.Length; i++)
        {
            if (parts[i].Length is 0 or > 10 || !parts[i].All(char.IsAsciiDigit) || parts[i][0] == '0')
            {
                return null;
            }
        }

        return text;
    }
}
