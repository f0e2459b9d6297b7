using System.Text.Json.Nodes;

namespace Vireo.Qemu.Qmp;

/// <summary>
/// One block node for blockdev-add: its node name, and the BlockdevOptions (qapi/block-core.json) exactly as
/// the command line's -blockdev carries them, which the argv writer makes for both.
/// </summary>
public sealed record QmpBlockdev(string NodeName, JsonObject Options)
{
    /// <summary>From a -blockdev JSON object; it must name its node.</summary>
    public static QmpBlockdev FromJson(string blockdevJson)
    {
        var options = JsonNode.Parse(blockdevJson) as JsonObject ?? throw new ArgumentException("a -blockdev value is a JSON object", nameof(blockdevJson));
        var node = (string?)options["node-name"] ?? throw new ArgumentException("a -blockdev value needs a node-name", nameof(blockdevJson));
        return new QmpBlockdev(node, options);
    }

    internal JsonObject ToArguments() => Options.DeepClone().AsObject();
}
