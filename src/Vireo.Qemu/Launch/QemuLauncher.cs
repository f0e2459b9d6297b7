using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Host.Files;
using Vireo.Host.Processes;
using Vireo.Qemu.Argv;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

/// <summary>
/// Starts QEMU daemonized and paused (-daemonize -S): the launcher process exits once QEMU has initialised,
/// with QEMU's own error on stderr if it failed. stderr goes to the domain log, so a failure is reported with
/// QEMU's words and nothing is left running. Logs are created private (<see cref="LogFiles"/>), and QEMU runs
/// under umask 077, so a file it creates itself is never readable by others either.
/// </summary>
/// <param name="logger">vireod's log: launches that fail or are killed, destroys that need SIGKILL</param>
public sealed class QemuLauncher(IProcessRunner runner, QemuDriverOptions? options = null, ILogger<QemuLauncher>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public QemuDriverOptions Options { get; } = options ?? new QemuDriverOptions();

    /// <summary>Opens domain and console logs with their mode (0600, 0640 to the log group). Throws at construction if the group does not exist.</summary>
    public LogFiles LogFiles { get; } = new(options?.LogGroup, logger);

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
        LogFiles.Ensure(paths.DomainLog);
        if (argv.Any(a => a.Contains("logfile=" + QemuArgv.Escape(paths.ConsoleLog))))
            LogFiles.Ensure(paths.ConsoleLog);
        log("starting up: " + QemuArgv.ToShell(ArgvRedactor.Redact(argv)));
        var logOffset = new FileInfo(paths.DomainLog).Length;
        var launcherPidFile = Path.Combine(paths.RunDir, "launcher.pid");
        // The shell records its pid (QEMU's, after exec) so a launch that hangs can be killed, makes what QEMU
        // creates private, redirects stdio to the domain log, then becomes QEMU.
        var shell = new List<string> { "/bin/sh", "-c", "umask 077; echo $$ >\"$VIREO_LAUNCHER_PID\"; exec \"$0\" \"$@\" </dev/null >>\"$VIREO_QEMU_LOG\" 2>&1" };
        shell.AddRange(argv);
        var run = runner.RunAsync(shell, check: false,
            env: new Dictionary<string, string> { ["VIREO_QEMU_LOG"] = paths.DomainLog, ["VIREO_LAUNCHER_PID"] = launcherPidFile });
        var limit = StartTimeout(def);
        Log.Launching(_logger, def.Name, argv[0], limit.TotalSeconds);
        if (await Task.WhenAny(run, Task.Delay(limit, ct)) != run)
        {
            KillFromPidFile(launcherPidFile);
            KillFromPidFile(paths.PidFile);
            await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => { });
            ChildReaper.ReapOrphans();
            ct.ThrowIfCancellationRequested();
            var said = ReadFrom(paths.DomainLog, logOffset).Trim();
            Log.LaunchTimedOut(_logger, def.Name, limit.TotalSeconds);
            throw new VireoException(ErrorCode.OperationTimeout,
                $"Timed out during operation: QEMU did not finish starting domain '{def.Name}' within {limit.TotalSeconds:0} s and was killed{(said.Length > 0 ? ": " + said : "")}");
        }
        var result = await run;
        ChildReaper.ReapOrphans();
        if (result.ExitCode != 0)
        {
            var qemuSaid = ReadFrom(paths.DomainLog, logOffset).Trim();
            KillFromPidFile(paths.PidFile);
            var why = qemuSaid.Length > 0 ? qemuSaid : $"exit status {result.ExitCode}";
            Log.LaunchFailed(_logger, def.Name, why);
            throw new VireoException(ErrorCode.OperationFailed, $"internal error: QEMU failed to start domain '{def.Name}': {why}");
        }
        var pid = ReadPid(paths.PidFile);
        try
        {
            var instance = await AttachAsync(def.Name, pid, paths.QmpSocket, log, ct);
            Log.Launched(_logger, def.Name, pid, paths.QmpSocket);
            return instance;
        }
        catch (Exception e)
        {
            KillFromPidFile(paths.PidFile);
            Log.AttachAfterLaunchFailed(_logger, def.Name, pid, e.Message);
            throw;
        }
    }

    /// <summary>Connects to a running QEMU of domain <paramref name="name"/> with this driver's QMP timeout (vireod restart, and after a launch).</summary>
    public Task<QemuInstance> AttachAsync(string name, int pid, string qmpSocket, Action<string> log, CancellationToken ct = default) =>
        QemuInstance.AttachAsync(pid, qmpSocket,
            new QmpOptions { CommandTimeout = Options.QmpTimeout, Owner = $"domain '{name}'", Transcript = log }, Options.KillWait, ct, _logger);

    /// <summary>
    /// How long QEMU may take to initialise before -daemonize lets its launcher exit: the configured time, or the
    /// QMP timeout, at least 30 s, plus a second per GiB of guest memory, which QEMU may have to preallocate.
    /// </summary>
    public TimeSpan StartTimeout(DomainDefinition def) => Options.StartTimeout ??
        (Options.QmpTimeout > TimeSpan.FromSeconds(30) ? Options.QmpTimeout : TimeSpan.FromSeconds(30))
        + TimeSpan.FromSeconds(def.MemoryKiB / (1024 * 1024));

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
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return;
        using var process = PidSignaller.Open(pid);
        process?.Send(Host.Interop.LibC.SIGKILL);
    }

    private static string ReadFrom(string path, long offset)
    {
        if (!File.Exists(path)) return "";
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        fs.Seek(offset, SeekOrigin.Begin);
        return new StreamReader(fs).ReadToEnd();
    }
}
