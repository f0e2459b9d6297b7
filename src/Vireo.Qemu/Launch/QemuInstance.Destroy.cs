using Vireo.Core.Errors;
using Vireo.Host.Interop;

namespace Vireo.Qemu.Launch;

/// <summary>
/// Stopping QEMU without its monitor: signals through the pidfd, exit seen through the pid watcher. A QEMU
/// that stopped answering QMP (or was sent SIGSTOP) is destroyed exactly like a healthy one.
/// </summary>
public sealed partial class QemuInstance
{
    /// <summary>
    /// Fails every QMP command still waiting on this QEMU, then sends SIGTERM (which lets QEMU flush its disks)
    /// and SIGCONT (so a stopped QEMU can act on it, as systemd does), waits <paramref name="grace"/>, then
    /// SIGKILL unless <paramref name="graceful"/>. Returns once the process is gone; throws OperationTimeout if a
    /// graceful destroy found QEMU still running, OperationFailed if even SIGKILL did not end it in time.
    /// </summary>
    public async Task<QemuExit> DestroyAsync(bool graceful, TimeSpan grace, CancellationToken ct = default)
    {
        _destroying = true;
        _log($"destroying QEMU pid {Pid}{(graceful ? " (graceful)" : "")}");
        Log.Destroying(_logger, Pid, _owner, graceful ? " (graceful)" : "");
        Qmp.AbortPending($"QEMU pid {Pid} is being destroyed");
        if (_signals.Send(LibC.SIGTERM)) _signals.Send(Pidfd.SIGCONT);
        if (await ExitsWithinAsync(grace, ct)) return await Exited;
        if (graceful)
            throw new VireoException(ErrorCode.OperationTimeout,
                $"QEMU pid {Pid} did not exit within {grace.TotalSeconds:0.#} s of SIGTERM; retry without --graceful to force it");
        _log($"QEMU pid {Pid} still running {grace.TotalSeconds:0.#} s after SIGTERM: SIGKILL");
        Log.Killing(_logger, Pid, _owner, grace.TotalSeconds);
        _signals.Send(LibC.SIGKILL);
        if (await ExitsWithinAsync(_killWait, CancellationToken.None)) return await Exited;
        Log.KillFailed(_logger, Pid, _owner, _killWait.TotalSeconds);
        throw new VireoException(ErrorCode.OperationFailed,
            $"Failed to terminate process {Pid} with SIGKILL: still there after {_killWait.TotalSeconds:0.#} s (blocked in the kernel? see /proc/{Pid}/stack)");
    }

    private async Task<bool> ExitsWithinAsync(TimeSpan wait, CancellationToken ct)
    {
        try
        {
            await Exited.WaitAsync(wait, ct);
            return true;
        }
        catch (TimeoutException) { return false; }
        catch (OperationCanceledException) { return Exited.IsCompleted; }
    }
}
