using System.Text.Json.Nodes;
using Vireo.Qemu.Qmp;
using Vireo.Qemu.Tests.Qmp;

namespace Vireo.Qemu.Tests.Hotplug;

/// <summary>
/// A QEMU monitor for sequence tests: it records every command as "execute {arguments}" (arguments as sent, id
/// left out), refuses the commands at the steps in <see cref="Refuse"/> (0-based) with a GenericError, answers
/// query-pci and qom-list from the test's data and an HMP command with no output, and, like a guest that lets
/// go, follows a device_del with DEVICE_DELETED.
/// </summary>
public sealed class ScriptedQmp : IAsyncDisposable
{
    private readonly FakeQmpServer _server;
    private readonly List<string> _commands = [];
    private readonly List<(string Execute, TaskCompletionSource Sent)> _waiters = [];

    public ScriptedQmp() => _server = new FakeQmpServer(AnswerAsync);

    public string Path => _server.Path;

    /// <summary>The steps (0-based) whose command is refused.</summary>
    public IReadOnlyCollection<int> Refuse { get; init; } = [];

    /// <summary>What query-pci returns.</summary>
    public JsonArray Pci { get; init; } = [];

    /// <summary>What qom-list returns (for /objects).</summary>
    public JsonArray Objects { get; init; } = [];

    /// <summary>Whether the guest releases a device after device_del.</summary>
    public bool ReleasesDevices { get; init; } = true;

    public IReadOnlyList<string> Commands
    {
        get { lock (_commands) return [.. _commands]; }
    }

    /// <summary>Completes once a command named <paramref name="execute"/> has arrived.</summary>
    public Task Sent(string execute)
    {
        lock (_commands)
        {
            if (_commands.Any(c => c.Split(' ')[0] == execute)) return Task.CompletedTask;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((execute, waiter));
            return waiter.Task;
        }
    }

    public Task<QmpClient> ConnectAsync() => QmpClient.ConnectAsync(Path, new QmpOptions { CommandTimeout = TimeSpan.FromSeconds(30) });

    private async Task AnswerAsync(JsonObject cmd, FakeQmpServer s)
    {
        var execute = (string)cmd["execute"]!;
        int step;
        lock (_commands)
        {
            step = _commands.Count;
            _commands.Add(cmd["arguments"] is JsonObject args ? $"{execute} {args.ToJsonString()}" : execute);
            foreach (var w in _waiters.Where(w => w.Execute == execute)) w.Sent.TrySetResult();
        }
        if (Refuse.Contains(step))
        {
            await s.ErrorAsync(cmd, "GenericError", $"injected failure of '{execute}'");
            return;
        }
        await s.ReplyAsync(cmd, execute switch
        {
            "query-pci" => Pci.DeepClone(),
            "qom-list" => Objects.DeepClone(),
            "human-monitor-command" => JsonValue.Create(""),
            _ => new JsonObject(),
        });
        if (execute == "device_del" && ReleasesDevices)
        {
            var id = (string)cmd["arguments"]!["id"]!;
            await s.EventAsync("DEVICE_DELETED", new JsonObject { ["device"] = id, ["path"] = "/machine/peripheral/" + id });
        }
    }

    /// <summary>A q35 machine's buses: vireo-port1 holds a NIC, vireo-port2 is free.</summary>
    public static JsonArray Q35Ports() => (JsonArray)JsonNode.Parse("""
        [{"bus":0,"devices":[
          {"bus":0,"slot":0,"function":0,"qdev_id":""},
          {"bus":0,"slot":2,"function":0,"qdev_id":"vireo-port1","pci_bridge":{"bus":{"number":0,"secondary":1,"subordinate":1},
            "devices":[{"bus":1,"slot":0,"function":0,"qdev_id":"net0"}]}},
          {"bus":0,"slot":2,"function":1,"qdev_id":"vireo-port2","pci_bridge":{"bus":{"number":0,"secondary":2,"subordinate":2},"devices":[]}}]}]
        """)!;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
