using System.Diagnostics;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Launch;

public sealed record QemuMachine(string Name, string? Alias, int MaxCpus, bool IsDefault, bool Deprecated);

/// <summary>
/// What a QEMU binary offers, asked over QMP as libvirt's capabilities probe does: QEMU started with no
/// machine (-machine none), then query-version, query-machines, query-cpu-definitions, and quit.
/// </summary>
public sealed record QemuCapabilities(string Binary, string Version, IReadOnlyList<QemuMachine> Machines, IReadOnlyList<string> CpuModels)
{
    public static async Task<QemuCapabilities> ProbeAsync(string binary, CancellationToken ct = default)
    {
        var dir = Directory.CreateTempSubdirectory("vireo-caps-").FullName;
        var sock = Path.Combine(dir, "qmp.sock");
        var psi = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var a in new[] { "-S", "-no-user-config", "-nodefaults", "-display", "none", "-machine", "none,accel=tcg", "-qmp", $"unix:{sock},server=on,wait=off" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            for (var i = 0; i < 250 && !File.Exists(sock) && !p.HasExited; i++) await Task.Delay(20, ct);
            if (!File.Exists(sock)) throw new IOException($"{binary} did not start for the capabilities probe: {(p.HasExited ? await stderr : "no QMP socket")}");
            await using var qmp = await QmpClient.ConnectAsync(sock, ct: ct);
            var version = (await qmp.QueryVersionAsync(ct)).ToString();
            var machines = (await qmp.QueryMachinesAsync(ct))
                .Select(m => new QemuMachine(m.Name, m.Alias, m.CpuMax, m.IsDefault, m.Deprecated))
                .OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
            var cpus = (await qmp.QueryCpuDefinitionsAsync(ct)).Order(StringComparer.Ordinal).ToList();
            try { await qmp.QuitAsync(ct); } catch (Exception e) when (e is QmpDisconnectedException or IOException) { }
            return new QemuCapabilities(binary, version, machines, cpus);
        }
        finally
        {
            if (!p.HasExited) { p.Kill(); }
            await p.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The machine a domain gets by default (libvirt: the one QEMU marks default, i.e. pc).</summary>
    public QemuMachine? Find(string name) => Machines.FirstOrDefault(m => m.Name == name || m.Alias == name);
}
