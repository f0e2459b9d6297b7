using Vireo.Daemon.Domains;
using Vireo.Daemon.State;
using Vireo.Host.Processes;

namespace Vireo.IntegrationTests.Daemon;

/// <summary>
/// The domain core in-process with a process runner that holds the QEMU launch until the test
/// releases it: queries on the same domain must answer while the start is still in progress.
/// </summary>
public class ReadsDoNotWaitTests
{
    private sealed class GatedRunner : IProcessRunner
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public async Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, bool check = true,
            IReadOnlyDictionary<string, string>? env = null, CancellationToken ct = default, string? stdin = null)
        {
            lock (Calls) Calls.Add(argv);
            Entered.TrySetResult();
            await Release.Task;
            return new ProcessResult(1, "", "");
        }
    }

    [Fact]
    public async Task List_info_state_and_dumpxml_answer_while_a_start_is_in_progress()
    {
        var root = Directory.CreateTempSubdirectory("vireo-svc-").FullName;
        try
        {
            var paths = new VireoPaths(root);
            paths.CreateAll();
            var runner = new GatedRunner();
            await using var core = new DomainCoreHost(paths, runner);
            var svc = core.Registry;
            await svc.DefineAsync("""
                <domain type='qemu'><name>slow</name><memory unit='MiB'>64</memory>
                <os><type>hvm</type></os><devices><emulator>/bin/true</emulator></devices></domain>
                """);
            var start = core.Runner.StartAsync("slow", paused: false);
            await runner.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(DomainState.ShutOff, svc.List().Single().State);
            Assert.Equal("slow", core.Get<Vireo.Daemon.Domains.Queries.DomainQueries>().Info("slow").Domain.Name);
            Assert.Contains("<name>slow</name>", svc.GetXml("slow", inactive: false));
            Assert.Equal("slow", svc.Get("slow").Name);
            Assert.False(start.IsCompleted, "the start must still be waiting for the launcher");

            runner.Release.SetResult();
            var e = await Assert.ThrowsAsync<Vireo.Core.Errors.VireoException>(() => start);
            Assert.Contains("QEMU failed to start domain 'slow'", e.Message);
            Assert.Equal("failed", svc.Get("slow").Reason);
            var argv = runner.Calls.Single();
            Assert.Equal(["/bin/sh", "-c"], argv.Take(2));
            Assert.Contains("-daemonize", argv);
            Assert.Contains("-S", argv);
        }
        finally { Directory.Delete(root, true); }
    }
}
