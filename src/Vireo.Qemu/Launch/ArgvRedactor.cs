using System.Text.Json.Nodes;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

/// <summary>
/// The QEMU command line as it may be logged: every option value is parsed in its own syntax (JSON for
/// -blockdev and friends, key=value otherwise) and secret values are replaced, as in the QMP transcript.
/// The encrypted data of -object secret is hidden too: it is only as safe as the master key file.
/// </summary>
public static class ArgvRedactor
{
    public static IReadOnlyList<string> Redact(IReadOnlyList<string> argv)
    {
        var result = new List<string>(argv.Count);
        for (var i = 0; i < argv.Count; i++)
        {
            var arg = argv[i];
            var isObject = i > 0 && argv[i - 1] == "-object";
            result.Add(i == 0 ? arg : arg.StartsWith('{') ? RedactJson(arg) : arg.Contains('=') ? QemuOptsRedactor.Redact(arg, isObject) : arg);
        }
        return result;
    }

    private static string RedactJson(string json)
    {
        try
        {
            var node = JsonNode.Parse(json);
            return QmpRedactor.HideIn(node) ? QmpRedactor.Format(node!) : json;
        }
        catch (System.Text.Json.JsonException) { return QmpRedactor.Hidden; }
    }
}
