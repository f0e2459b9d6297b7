using System.Text;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// Secrets in QEMU's key=value option syntax (-object, -vnc, HMP object_add, ...), parsed as QEMU parses it
/// (',,' is a comma inside a value). Hidden: data and iv of a secret object, and any password, passwd or
/// secret value that is not an on/off flag (-vnc password=on only says a password will be set).
/// </summary>
public static class QemuOptsRedactor
{
    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase) { "password", "passwd", "secret" };
    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase) { "on", "off", "yes", "no", "true", "false" };

    /// <param name="isObject">The options describe a QOM object (-object, object_add): a bare first value is its type.</param>
    public static string Redact(string opts, bool isObject)
    {
        var parts = Split(opts);
        var type = isObject ? ObjectType(parts) : null;
        var changed = false;
        for (var i = 0; i < parts.Count; i++)
        {
            var (key, value) = parts[i];
            if (key is null) continue;
            var hide = (type == "secret" && key is "data" or "iv") || (SecretKeys.Contains(key) && !Flags.Contains(value));
            if (!hide || value == QmpRedactor.Hidden) continue;
            parts[i] = (key, QmpRedactor.Hidden);
            changed = true;
        }
        return changed ? string.Join(',', parts.Select(p => p.Key is null ? Escape(p.Value) : $"{p.Key}={Escape(p.Value)}")) : opts;
    }

    private static string? ObjectType(List<(string? Key, string Value)> parts)
    {
        foreach (var (key, value) in parts)
            if (key == "qom-type") return value;
        return parts.Count > 0 && parts[0].Key is null ? parts[0].Value : null;
    }

    private static string Escape(string value) => value.Replace(",", ",,");

    private static List<(string? Key, string Value)> Split(string opts)
    {
        var parts = new List<(string?, string)>();
        var cur = new StringBuilder();
        for (var i = 0; i <= opts.Length; i++)
        {
            if (i < opts.Length && opts[i] == ',' && i + 1 < opts.Length && opts[i + 1] == ',') { cur.Append(','); i++; continue; }
            if (i < opts.Length && opts[i] != ',') { cur.Append(opts[i]); continue; }
            var text = cur.ToString();
            cur.Clear();
            // A key never contains ',' or '=', so the first '=' of the unescaped text splits key from value.
            var eq = text.IndexOf('=');
            parts.Add(eq < 0 ? (null, text) : (text[..eq], text[(eq + 1)..]));
        }
        return parts;
    }
}
