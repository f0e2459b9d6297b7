using Vireo.Core.Domain;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.State;

/// <summary>Domain definitions and autostart marks (a <see cref="DefinitionStore{T}"/>), and the live status files of running domains.</summary>
public sealed class DomainStore(VireoPaths paths)
{
    public DefinitionStore<DomainDefinition> Definitions { get; } = new(
        new DefinitionKind<DomainDefinition>("domain", DomainDefinition.Parse, d => d.Name, d => d.Uuid, d => d.ToXml()),
        paths.DomainConfigDir, Path.Combine(paths.AutostartDir, "qemu"), paths.DomainStatusDir);

    public IEnumerable<(string Name, string Xml)> LoadStatuses() => Definitions.LoadLive();

    public void SaveStatus(string name, QemuStatusFile status) => Definitions.SaveLive(name, status.ToXml());

    /// <summary>The status file alone, leaving the run directory (a live QEMU's monitor socket and pid file).</summary>
    public void DeleteStatusFile(string name) => Definitions.DeleteLive(name);

    /// <summary>The status file and the run directory: what a QEMU that is gone leaves.</summary>
    public void DeleteStatus(string name)
    {
        Definitions.DeleteLive(name);
        var run = paths.Qemu(name).RunDir;
        if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
    }
}
