using System.Text.Json.Nodes;
using Vireo.Contracts;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Qemu.Agent;

namespace Vireo.Daemon.Domains;

/// <summary>The QEMU guest agent: qemu-agent-command and domifaddr --source agent.</summary>
public sealed partial class DomainService
{
    public const string AgentChannel = "org.qemu.guest_agent.0";

    /// <summary>How long an agent command may take when the caller gives no timeout.</summary>
    public static TimeSpan AgentTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The running domain's agent socket; throws the way libvirt does when the domain has no agent channel.</summary>
    private (DomainEntry Entry, string Socket) AgentSocket(string key)
    {
        var e = Lookup(key);
        DomainDefinition live;
        lock (e)
        {
            if (e.Instance is null) throw VireoException.Invalid($"Requested operation is not valid: domain '{e.Name}' is not running");
            live = e.Live!;
        }
        var channel = live.Channels.FirstOrDefault(c => c.TargetType == "virtio" && c.TargetName == AgentChannel)
            ?? throw new VireoException(ErrorCode.AgentUnresponsive,
                $"argument unsupported: QEMU guest agent is not configured for domain '{e.Name}' (add a <channel type='unix'><target type='virtio' name='{AgentChannel}'/></channel>)");
        if (channel.Type != "unix")
            throw new VireoException(ErrorCode.AgentUnresponsive, $"QEMU guest agent channel of domain '{e.Name}' is of type '{channel.Type}'; Vireo talks to the agent over type 'unix'");
        return (e, channel.SourcePath ?? paths.Qemu(e.Name).ChannelSocket(AgentChannel));
    }

    /// <summary>qemu-agent-command: a raw request, the raw reply (null for commands the agent does not answer).</summary>
    /// <param name="timeoutSeconds">Seconds, or libvirt's -1 (default), -2 (block until the agent answers) or 0 (send, do not wait).</param>
    public async Task<string?> AgentCommandAsync(string key, string requestJson, int timeoutSeconds)
    {
        JsonObject? request;
        try { request = JsonNode.Parse(requestJson) as JsonObject; }
        catch (System.Text.Json.JsonException ex) { throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: agent command is not JSON ({ex.Message}): {requestJson}"); }
        if (request?["execute"] is null)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: agent command must be a JSON object with \"execute\": {requestJson}");
        if (timeoutSeconds < -2) throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: timeout {timeoutSeconds} (seconds, or -1 default, -2 block, 0 no wait)");
        var timeout = timeoutSeconds switch { -1 => AgentTimeout, -2 => TimeSpan.FromDays(1), 0 => AgentTimeout, _ => TimeSpan.FromSeconds(timeoutSeconds) };
        var (e, socket) = AgentSocket(key);
        await e.AgentLock.WaitAsync();
        try { return (await GuestAgent.ExecuteRawAsync(socket, request, timeout, waitForReply: timeoutSeconds != 0))?.ToJsonString(); }
        finally { e.AgentLock.Release(); }
    }

    /// <summary>domifaddr --source agent: every interface the guest reports, with each of its addresses (N/A for none).</summary>
    private async Task<List<InterfaceAddress>> AgentInterfaceAddressesAsync(string key)
    {
        var (e, socket) = AgentSocket(key);
        JsonNode? reply;
        await e.AgentLock.WaitAsync();
        try { reply = await GuestAgent.ExecuteAsync(socket, "guest-network-get-interfaces", null, AgentTimeout); }
        finally { e.AgentLock.Release(); }
        var result = new List<InterfaceAddress>();
        foreach (var iface in reply as JsonArray ?? [])
        {
            var name = (string?)iface?["name"] ?? "-";
            var mac = (string?)iface?["hardware-address"] ?? "-";
            var addrs = iface?["ip-addresses"] as JsonArray ?? [];
            if (addrs.Count == 0) result.Add(new InterfaceAddress { Name = name, Mac = mac, Protocol = "N/A", Address = "N/A" });
            foreach (var a in addrs)
                result.Add(new InterfaceAddress { Name = name, Mac = mac, Protocol = (string?)a?["ip-address-type"] ?? "-", Address = $"{(string?)a?["ip-address"]}/{(int?)a?["prefix"]}" });
        }
        return result;
    }
}
