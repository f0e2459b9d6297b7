using System.Diagnostics;
using Vireo.Host.Interop;
using Vireo.Host.Processes;

namespace Vireo.Host.Tests.Processes;

public class PidSignallerTests
{
    [Fact]
    public async Task Signals_reach_the_process_and_stop_once_it_is_gone()
    {
        using var sleeper = Process.Start("sleep", "600")!;
        using var signals = PidSignaller.Open(sleeper.Id)!;
        Assert.True(signals.Send(LibC.SIGKILL));
        await sleeper.WaitForExitAsync();
        // Reaped: the pid may belong to someone else now, and the pidfd knows it is not them.
        Assert.False(signals.Send(LibC.SIGKILL));
    }

    [Fact]
    public void A_disposed_signaller_sends_nothing()
    {
        using var sleeper = Process.Start("sleep", "600")!;
        try
        {
            var signals = PidSignaller.Open(sleeper.Id)!;
            signals.Dispose();
            Assert.False(signals.Send(LibC.SIGKILL));
            Assert.False(sleeper.HasExited);
        }
        finally { sleeper.Kill(); }
    }

    [Fact]
    public void No_process_no_signaller() => Assert.Null(PidSignaller.Open(int.MaxValue));
}
