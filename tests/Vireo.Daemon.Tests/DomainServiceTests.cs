using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Events;
using Vireo.Daemon.State;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Tests;

/// <summary>
/// DomainService's definitions, persistence and events over a root of its own, without QEMU
/// (the integration tests start real guests): what is on disk after each call, and after a restart.
/// </summary>
public sealed class DomainServiceTests : IAsyncLifetime
{
    private readonly VireoPaths _paths = new(Directory.CreateTempSubdirectory("vireo-daemon-").FullName);
    private readonly EventBus _events = new();
    private DomainCoreHost _core = null!;
    private DomainRegistry _svc => _core.Registry;

    public async Task InitializeAsync()
    {
        _paths.CreateAll();
        _core = await StartServiceAsync();
    }

    public async Task DisposeAsync()
    {
        await _core.DisposeAsync();
        Directory.Delete(_paths.Root, recursive: true);
    }

    private async Task<DomainCoreHost> StartServiceAsync()
    {
        var core = new DomainCoreHost(_paths, events: _events);
        await core.InitializeAsync();
        return core;
    }

    private static string Dom(string name, string? uuid = null, int mib = 64) =>
        $"<domain type='qemu'><name>{name}</name>{(uuid is null ? "" : $"<uuid>{uuid}</uuid>")}<memory unit='MiB'>{mib}</memory>" +
        "<os><type>hvm</type></os><devices><x-vendor keep='yes'/></devices></domain>";

    [Fact]
    public async Task Define_writes_the_definition_privately_and_atomically()
    {
        var s = await _svc.DefineAsync(Dom("alpha"));
        var file = _paths.DomainConfig("alpha");
        var saved = XDocument.Load(file).Root!;
        Assert.Equal(s.Uuid.ToString(), saved.Element("uuid")!.Value); // generated, and what the caller was told
        Assert.NotNull(saved.Descendants("x-vendor").SingleOrDefault()); // unknown elements kept
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(["alpha.xml"], Directory.GetFiles(_paths.DomainConfigDir).Select(Path.GetFileName)); // no temp file left
    }

    [Fact]
    public async Task Definitions_and_autostart_marks_survive_a_restart_and_a_failing_autostart_stops_nothing()
    {
        var a = await _svc.DefineAsync(Dom("alpha"));
        await _svc.DefineAsync(Dom("beta").Replace("type='qemu'", "type='kvm'"));
        // beta cannot start on a TCG-only host: its autostart fails before any QEMU is launched.
        _svc.SetAutostart("beta", true);
        await _core.DisposeAsync();
        _core = await StartServiceAsync();
        Assert.Equal(["alpha", "beta"], _svc.List().Select(d => d.Name));
        Assert.Equal(a.Uuid, _svc.Get("alpha").Uuid);
        Assert.True(_svc.Get("beta").Autostart);
        Assert.False(_svc.Get("alpha").Autostart);
        Assert.All(_svc.List(), d => Assert.Equal(DomainState.ShutOff, d.State));
        Assert.Empty(Directory.GetFiles(_paths.DomainStatusDir));
    }

    [Fact]
    public async Task A_broken_definition_on_disk_does_not_stop_the_others_loading()
    {
        await _svc.DefineAsync(Dom("good"));
        File.WriteAllText(_paths.DomainConfig("broken"), "<domain type='qemu'><name>broken</name>");
        await _core.DisposeAsync();
        _core = await StartServiceAsync();
        Assert.Equal(["good"], _svc.List().Select(d => d.Name));
        Assert.True(File.Exists(_paths.DomainConfig("broken")), "a definition vireod cannot read is left for the user to fix, not deleted");
    }

    [Fact]
    public async Task Names_and_uuids_each_identify_one_domain_and_a_refusal_changes_nothing()
    {
        const string u1 = "11111111-1111-1111-1111-111111111111";
        await _svc.DefineAsync(Dom("dup", u1));
        var before = File.ReadAllText(_paths.DomainConfig("dup"));
        var byName = await Assert.ThrowsAsync<VireoException>(() => _svc.DefineAsync(Dom("dup", "22222222-2222-2222-2222-222222222222", 128)));
        Assert.Equal(ErrorCode.DomainExists, byName.Code);
        var byUuid = await Assert.ThrowsAsync<VireoException>(() => _svc.DefineAsync(Dom("other", u1)));
        Assert.Equal($"operation failed: domain 'dup' is already defined with uuid {u1}", byUuid.Message);
        Assert.Equal(before, File.ReadAllText(_paths.DomainConfig("dup")));
        Assert.False(File.Exists(_paths.DomainConfig("other")));
    }

    [Fact]
    public async Task Redefining_without_a_uuid_keeps_the_uuid_and_says_updated()
    {
        using var sub = _events.Subscribe();
        var first = await _svc.DefineAsync(Dom("web"));
        var second = await _svc.DefineAsync(Dom("web", mib: 128));
        Assert.Equal(first.Uuid, second.Uuid);
        Assert.Contains("<memory unit='KiB'>131072</memory>", File.ReadAllText(_paths.DomainConfig("web"))); // stored in KiB, as libvirt
        var events = new List<DomainEvent>();
        while (sub.Reader.TryRead(out var ev)) events.Add(ev);
        Assert.Equal(["Defined/Added", "Defined/Updated"], events.Select(e => $"{e.Event}/{e.Detail}"));
    }

    [Fact]
    public async Task Invalid_xml_is_refused_with_every_problem_and_nothing_written()
    {
        var e = await Assert.ThrowsAsync<VireoException>(() =>
            _svc.DefineAsync("<domain type='qemu'><name>a/b</name><memory>0</memory><on_crash>boom</on_crash></domain>"));
        Assert.Equal(ErrorCode.XmlValidation, e.Code);
        Assert.True(e.Details.Count >= 3, string.Join("; ", e.Details));
        Assert.Empty(Directory.GetFiles(_paths.DomainConfigDir));
    }

    [Fact]
    public async Task Undefine_removes_the_definition_and_its_autostart_mark()
    {
        using var sub = _events.Subscribe();
        await _svc.DefineAsync(Dom("gone"));
        _svc.SetAutostart("gone", true);
        Assert.True(File.Exists(_paths.DomainAutostart("gone")));
        await _svc.UndefineAsync("gone", nvram: false, keepNvram: false);
        Assert.False(File.Exists(_paths.DomainConfig("gone")));
        Assert.False(File.Exists(_paths.DomainAutostart("gone")));
        Assert.Equal(ErrorCode.NoDomain, Assert.Throws<VireoException>(() => _svc.Get("gone")).Code);
        var events = new List<string>();
        while (sub.Reader.TryRead(out var ev)) events.Add(ev.Event);
        Assert.Equal(["Defined", "Undefined"], events);
    }

    [Fact]
    public async Task Domains_are_found_by_name_or_uuid()
    {
        var s = await _svc.DefineAsync(Dom("finder"));
        Assert.Equal("finder", _svc.Get(s.Uuid.ToString()).Name);
        Assert.Equal("Domain not found: no domain with matching name 'nobody'", Assert.Throws<VireoException>(() => _svc.Get("nobody")).Message);
    }

    [Fact]
    public async Task A_status_file_whose_pid_is_no_qemu_is_not_adopted_and_the_process_is_left_alone()
    {
        await _svc.DefineAsync(Dom("stale"));
        await _core.DisposeAsync();
        // The pid now belongs to another process (this test's own): vireod must not take it for QEMU.
        var live = XElement.Parse(File.ReadAllText(_paths.DomainConfig("stale")));
        var status = new QemuStatusFile(Environment.ProcessId, Path.Combine(_paths.DomainStatusDir, "stale/qmp.sock"),
            DateTimeOffset.UtcNow, "running", "booted", live);
        File.WriteAllText(_paths.DomainStatus("stale"), status.ToXml());
        _core = await StartServiceAsync();
        var s = _svc.Get("stale");
        Assert.Equal((DomainState.ShutOff, "crashed"), (s.State, s.Reason));
        Assert.False(File.Exists(_paths.DomainStatus("stale")), "the stale status file is removed");
        Assert.Contains($"QEMU pid {Environment.ProcessId} is gone", File.ReadAllText(_paths.Qemu("stale").DomainLog));
    }
}
