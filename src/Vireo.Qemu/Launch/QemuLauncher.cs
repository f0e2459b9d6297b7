using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

/// <summary>
/// Starts QEMU daemonized and paused (-daemonize -S): the launcher process exits once QEMU
/// has initialised, with QEMU's own error on stderr if it failed. stderr goes to the domain
/// log, so a failure is reported with QEMU's words and nothing is left running.
/// </summary>
public sealed class QemuLauncher(IProcessRunner runner)
{
    public async Task<QemuInstance> LaunchAsync(DomainDefinition def, QemuPaths paths, QemuHostOptions host,
        Action<string> log, CancellationToken ct = default, IReadOnlyDictionary<string, QemuSecret>? diskSecrets = null)
    {
        var argv = QemuArgv.Build(def, paths, host, diskSecrets);
        EnsureEmulator(argv[0]);
        Directory.CreateDirectory(paths.RunDir);
        Directory.CreateDirectory(paths.LogDir);
        Directory.CreateDirectory(Path.Combine(paths.LibDir, "channel"));
        // Deleting a live QEMU's pid file would let a second QEMU take a fresh lock: look before clearing.
        if (QemuProcesses.Find(paths) is { } running)
            throw new VireoException(ErrorCode.OperationInvalid,
                $"Requested operation is not valid: a QEMU process (pid {running}) of domain '{def.Name}' is still running; destroy it first");
        foreach (var stale in Directory.GetFiles(paths.RunDir))
            File.Delete(stale);
        log("starting up: " + QemuArgv.ToShell(argv));
        var logOffset = new FileInfo(paths.DomainLog) is { Exists: true } fi ? fi.Length : 0;
        // The shell only redirects stdio to the domain log, then becomes QEMU (exec).
        var shell = new List<string> { "/bin/sh", "-c", "exec \"$0\" \"$@\" </dev/null >>\"$VIREO_QEMU_LOG\" 2>&1" };
        shell.AddRange(argv);
        var result = await runner.RunAsync(shell, check: false,
            env: new Dictionary<string, string> { ["VIREO_QEMU_LOG"] = paths.DomainLog }, ct: ct);
        ChildReaper.ReapOrphans();
        if (result.ExitCode != 0)
        {
            var qemuSaid = ReadFrom(paths.DomainLog, logOffset).Trim();
            KillFromPidFile(paths.PidFile);
            throw new VireoException(ErrorCode.OperationFailed,
                $"internal error: QEMU failed to start domain '{def.Name}': {(qemuSaid.Length > 0 ? qemuSaid : $"exit status {result.ExitCode}")}");
        }
        var pid = ReadPid(paths.PidFile);
        try
        {
            return await QemuInstance.AttachAsync(pid, paths.QmpSocket, log, ct);
        }
        catch
        {
            Host.Interop.LibC.kill(pid, Host.Interop.LibC.SIGKILL);
            throw;
        }
    }

    private static void EnsureEmulator(string emulator)
    {
        if (emulator.Contains('/') ? File.Exists(emulator) : FindOnPath(emulator) is not null) return;
        throw new VireoException(ErrorCode.OperationFailed,
            $"cannot find the emulator '{emulator}': install QEMU (apt-get install qemu-system-x86) or set <emulator> in the domain XML");
    }

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    public static int ReadPid(string pidFile)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return pid;
        throw new VireoException(ErrorCode.OperationFailed, $"internal error: QEMU did not write its pid file {pidFile}");
    }

    private static void KillFromPidFile(string pidFile)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            Host.Interop.LibC.kill(pid, Host.Interop.LibC.SIGKILL);
    }

    private static string ReadFrom(string path, long offset)
    {
        if (!File.Exists(path)) return "";
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(fs).ReadToEnd();
    }
}
