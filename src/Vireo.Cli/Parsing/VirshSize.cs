namespace Vireo.Cli.Parsing;

/// <summary>
/// virsh's scaled size arguments ("10G", "512M", "1.5G", "2GB", "1024" bytes): powers of 1024,
/// except units spelled with a plain B (KB, MB, GB...) which are powers of 1000, as in virsh.
/// </summary>
public static class VirshSize
{
    public static long Parse(string text, string what)
    {
        var t = text.Trim();
        var i = 0;
        while (i < t.Length && (char.IsDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0 || !decimal.TryParse(t[..i], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw new CliException($"Malformed size {text}");
        var unit = t[i..];
        decimal scale;
        if (unit is "" or "b" or "B" or "bytes") scale = 1;
        else
        {
            var p = "KMGTPE".IndexOf(char.ToUpperInvariant(unit[0]));
            var rest = unit[1..];
            if (p < 0 || rest is not ("" or "iB" or "B" or "ib")) throw new CliException($"Malformed size {text}: unknown unit '{unit}' for {what}");
            scale = 1;
            for (var k = 0; k <= p; k++) scale *= rest == "B" ? 1000 : 1024;
        }
        var bytes = n * scale;
        if (bytes > long.MaxValue) throw new CliException($"Malformed size {text}: too large");
        return (long)bytes;
    }
}
