using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// Takes secret values out of QMP and guest agent messages before they reach a log. Structural: the message
/// is parsed JSON and values are replaced by where they sit, never found by matching text, so a secret is
/// hidden whatever it contains. Hidden:
/// <list type="bullet">
/// <item>any string member named password, passwd or secret, at any depth (set_password, change-vnc-password,
/// guest-set-user-password, ...);</item>
/// <item>data and iv of a secret object (object-add with qom-type 'secret', flat or under props);</item>
/// <item>the value of qom-set and the reply of qom-get for such a property;</item>
/// <item>the secret arguments of HMP command lines (<see cref="HmpRedactor"/>).</item>
/// </list>
/// Members that name a secret object (key-secret, password-secret, ...) hold its id, not its value, and stay.
/// </summary>
public static class QmpRedactor
{
    /// <summary>What a hidden value is replaced with.</summary>
    public const string Hidden = "<hidden>";

    private static readonly HashSet<string> SecretMembers = new(StringComparer.OrdinalIgnoreCase) { "password", "passwd", "secret" };
    private static readonly HashSet<string> SecretProperties = new(StringComparer.OrdinalIgnoreCase) { "password", "passwd", "secret", "data", "iv" };
    private static readonly string[] SecretObjectValues = ["data", "iv"];

    /// <summary>Relaxed escaping keeps the transcript readable; control characters are still escaped, so one message stays one line.</summary>
    private static readonly JsonSerializerOptions LogJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON as logged: only what must be escaped is (quotes, backslashes, control characters).</summary>
    public static string Format(JsonNode node) => node.ToJsonString(LogJson);

    /// <summary>A command ({"execute": ..., "arguments": ...}) as it may be logged.</summary>
    public static string Command(JsonObject message)
    {
        var copy = message.DeepClone().AsObject();
        var name = StringOf(copy["execute"]) ?? StringOf(copy["exec-oob"]);
        if (copy["arguments"] is JsonObject args)
        {
            HideIn(args);
            if (name == "human-monitor-command" && StringOf(args["command-line"]) is { } line)
                args["command-line"] = HmpRedactor.Redact(line);
            if (name == "qom-set" && IsSecretProperty(args["property"]) && args.ContainsKey("value"))
                args["value"] = Hidden;
        }
        return Format(copy);
    }

    /// <summary>A reply or event as it may be logged; <paramref name="command"/> and its arguments, when known, say what the reply answers.</summary>
    public static string Reply(string? command, JsonObject? arguments, JsonObject message)
    {
        var copy = message.DeepClone().AsObject();
        HideIn(copy);
        if (command == "qom-get" && IsSecretProperty(arguments?["property"]) && copy.ContainsKey("return"))
            copy["return"] = Hidden;
        return Format(copy);
    }

    /// <summary>Hides secrets in any JSON value in place (also used for -object and -blockdev JSON on the command line); true if it hid one.</summary>
    public static bool HideIn(JsonNode? node)
    {
        var hid = false;
        switch (node)
        {
            case JsonObject o:
                if (StringOf(o["qom-type"]) == "secret")
                {
                    hid |= HideValues(o);
                    if (o["props"] is JsonObject props) hid |= HideValues(props);
                }
                foreach (var (key, value) in o.ToList())
                {
                    if (SecretMembers.Contains(key) && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        o[key] = Hidden;
                        hid = true;
                    }
                    else hid |= HideIn(value);
                }
                break;
            case JsonArray a:
                foreach (var item in a) hid |= HideIn(item);
                break;
        }
        return hid;
    }

    private static bool HideValues(JsonObject secretObject)
    {
        var hid = false;
        foreach (var key in SecretObjectValues)
        {
            if (!secretObject.ContainsKey(key)) continue;
            secretObject[key] = Hidden;
            hid = true;
        }
        return hid;
    }

    private static bool IsSecretProperty(JsonNode? property) => StringOf(property) is { } p && SecretProperties.Contains(p);

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
