using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Daemon.Domains;
using Vireo.Daemon.Events;
using Vireo.Daemon.Hosting;
using Vireo.Daemon.State;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.Tests;

/// <summary>
/// What a vireod finds on disk after a crash or a hand edit, and how domains are looked up: issue 11's
/// duplicate, wrong-domain and half-written-state findings, without QEMU (the fault suite in the
/// integration tests kills a real vireod around real QEMUs).
/// </summary>
public sealed class DomainRecoveryTests : IAsyncLifetime
{
    private readonly VireoPaths _paths = new(Directory.CreateTempSubdirectory("vireo-recovery-").FullName);
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

    private async Task RestartAsync()
    {
        await _core.DisposeAsync();
        _core = await StartServiceAsync();
    }

    private static string Dom(string name, string? uuid = null) =>
        $"<domain type='qemu'><name>{name}</name>{(uuid is null ? "" : $"<uuid>{uuid}</uuid>")}<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";

    [Fact]
    public async Task A_uuid_finds_its_domain_even_when_another_is_named_like_it()
    {
        var target = await _svc.DefineAsync(Dom("target"));
        var impostor = await _svc.DefineAsync(Dom(target.Uuid.ToString()));
        Assert.Equal("target", _svc.Get(target.Uuid.ToString()).Name);
        Assert.Equal(target.Uuid.ToString(), _svc.Get(impostor.Uuid.ToString()).Name);
        // A number that is no running domain's id falls through to the name, as in virsh.
        await _svc.DefineAsync(Dom("7"));
        Assert.Equal("7", _svc.Get("7").Name);
    }

    [Fact]
    public async Task Hand_edited_duplicates_are_not_loaded_and_an_undefine_stays_undefined()
    {
        var a = await _svc.DefineAsync(Dom("alpha"));
        await _core.DisposeAsync();
        // A copy under another file name (same name inside), and another domain reusing alpha's uuid.
        File.Copy(_paths.DomainConfig("alpha"), Path.Combine(_paths.DomainConfigDir, "alpha-copy.xml"));
        File.WriteAllText(_paths.DomainConfig("beta"), Dom("beta", a.Uuid.ToString()));
        _core = await StartServiceAsync();
        Assert.Equal(["alpha"], _svc.List().Select(d => d.Name));
        await _svc.UndefineAsync("alpha", nvram: false, keepNvram: false);
        await RestartAsync();
        // alpha's copy still names a file it is not: alpha stays gone; beta's uuid is free now.
        Assert.Equal(["beta"], _svc.List().Select(d => d.Name));
    }

    [Fact]
    public async Task A_start_that_a_crash_interrupted_is_finished_as_failed()
    {
        await _svc.DefineAsync(Dom("halfway"));
        await _core.DisposeAsync();
        var live = XElement.Parse(File.ReadAllText(_paths.DomainConfig("halfway")));
        var q = _paths.Qemu("halfway");
        Directory.CreateDirectory(q.RunDir);
        File.WriteAllText(q.QmpSocket, "");
        File.WriteAllText(_paths.DomainStatus("halfway"), QemuStatusFile.ForStart(q.QmpSocket, live).ToXml());
        _core = await StartServiceAsync();
        Assert.Equal((DomainState.ShutOff, "failed"), (_svc.Get("halfway").State, _svc.Get("halfway").Reason));
        Assert.False(File.Exists(_paths.DomainStatus("halfway")));
        Assert.False(Directory.Exists(q.RunDir), "the run directory (qmp.sock, pid file) goes with the failed start");
        Assert.Contains("start was interrupted by a vireod restart", File.ReadAllText(q.DomainLog));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<domstatus state='running' pid='12")]
    [InlineData("<domstatus state='running' pid='x' starttime='1'><monitor path='/m'/></domstatus>")]
    public async Task A_damaged_status_file_without_a_qemu_is_dropped(string text)
    {
        await _svc.DefineAsync(Dom("damaged"));
        await _core.DisposeAsync();
        File.WriteAllText(_paths.DomainStatus("damaged"), text);
        _core = await StartServiceAsync();
        Assert.Equal(DomainState.ShutOff, _svc.Get("damaged").State);
        Assert.False(File.Exists(_paths.DomainStatus("damaged")));
    }

    [Fact]
    public void Leftover_temp_files_of_atomic_writes_are_removed_and_nothing_else()
    {
        var leftover = Path.Combine(_paths.DomainConfigDir, $".alpha.xml.4242.{Guid.NewGuid():N}.tmp");
        var userFile = Path.Combine(_paths.DomainConfigDir, ".notes.tmp");
        File.WriteAllText(leftover, "<domain");
        File.WriteAllText(userFile, "mine");
        _paths.RemoveWriteLeftovers();
        Assert.False(File.Exists(leftover));
        Assert.True(File.Exists(userFile));
    }

    [Fact]
    public void A_second_daemon_on_the_same_root_is_refused()
    {
        using var first = RootLock.Acquire(_paths.RunDir);
        var e = Assert.Throws<VireoException>(() => RootLock.Acquire(_paths.RunDir));
        Assert.Contains("another vireod", e.Message);
        first.Dispose();
        using var again = RootLock.Acquire(_paths.RunDir);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\nb")]
    public void Names_that_would_leave_their_directory_never_become_paths(string name)
    {
        Assert.Throws<VireoException>(() => _paths.DomainConfig(name));
        Assert.Throws<VireoException>(() => _paths.Qemu(name));
    }
}
