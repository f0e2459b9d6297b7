using System.Text.Json.Nodes;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Daemon.State;
using Vireo.Qemu.Agent;

namespace Vireo.Daemon.Domains.Queries;

/// <summary>The QEMU guest agent: qemu-agent-command and domifaddr --source agent. One client at a time per domain.</summary>
public sealed class DomainAgent(DomainRegistry registry, VireoPaths paths, DomainTimeouts timeouts)
{
    public const string Channel = "org.qemu.guest_agent.0";

    /// <summary>The running domain's agent socket; throws the way libvirt does when the domain has no agent channel.</summary>
    private (DomainEntry Entry, string Socket) Socket(string key)
    {
        var e = registry.Lookup(key);
        DomainDefinition live;
        lock (e)
        {
            if (e.Instance is null) throw DomainOperation.NotRunning(e.Name);
            live = e.Live!;
        }
        var channel = live.Channels.FirstOrDefault(c => c.TargetType == "virtio" && c.TargetName == Channel)
            ?? throw new VireoException(ErrorCode.AgentUnresponsive,
                $"argument unsupported: QEMU guest agent is not configured for domain '{e.Name}' (add a <channel type='unix'><target type='virtio' name='{Channel}'/></channel>)");
        if (channel.Type != "unix")
            throw new VireoException(ErrorCode.AgentUnresponsive, $"QEMU guest agent channel of domain '{e.Name}' is of type '{channel.Type}'; Vireo talks to the agent over type 'unix'");
        return (e, channel.SourcePath ?? paths.Qemu(e.Name).ChannelSocket(Channel));
    }

    /// <summary>qemu-agent-command: a raw request, the raw reply (null for commands the agent does not answer).</summary>
    /// <param name="timeoutSeconds">Seconds, or libvirt's -1 (default), -2 (block until the agent answers) or 0 (send, do not wait).</param>
    public async Task<string?> CommandAsync(string key, string requestJson, int timeoutSeconds)
    {
        JsonObject? request;
        try { request = JsonNode.Parse(requestJson) as JsonObject; }
        catch (System.Text.Json.JsonException ex) { throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: agent command is not JSON ({ex.Message}): {requestJson}"); }
        if (request?["execute"] is null)
            throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: agent command must be a JSON object with \"execute\": {requestJson}");
        if (timeoutSeconds < -2) throw new VireoException(ErrorCode.InvalidArgument, $"invalid argument: timeout {timeoutSeconds} (seconds, or -1 default, -2 block, 0 no wait)");
        var timeout = timeoutSeconds switch { -1 or 0 => timeouts.Agent, -2 => TimeSpan.FromDays(1), _ => TimeSpan.FromSeconds(timeoutSeconds) };
        var (e, socket) = Socket(key);
        await e.AgentLock.WaitAsync();
        try { return (await GuestAgent.ExecuteRawAsync(socket, request, timeout, waitForReply: timeoutSeconds != 0))?.ToJsonString(); }
        finally { e.AgentLock.Release(); }
    }

    /// <summary>One agent command with the default timeout; its "return" value.</summary>
    public async Task<JsonNode?> ExecuteAsync(string key, string command)
    {
        var (e, socket) = Socket(key);
        await e.AgentLock.WaitAsync();
        try { return await GuestAgent.ExecuteAsync(socket, command, null, timeouts.Agent); }
        finally { e.AgentLock.Release(); }
    }
}
