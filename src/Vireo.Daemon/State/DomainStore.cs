using Vireo.Core.Domain;
using Vireo.Host.Files;
using Vireo.Qemu.Launch;

namespace Vireo.Daemon.State;

/// <summary>Persistent definitions, autostart marks and live status files, each written atomically.</summary>
public sealed class DomainStore(VireoPaths paths)
{
    public List<DomainDefinition> LoadDefinitions(Action<string> refused) =>
        DefinitionFiles.Load(paths.DomainConfigDir, DomainDefinition.Parse, d => d.Name, d => d.Uuid, "domain", refused);

    public void SaveDefinition(DomainDefinition def) =>
        AtomicFile.WriteAllText(paths.DomainConfig(def.Name), def.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    public void DeleteDefinition(string name)
    {
        File.Delete(paths.DomainConfig(name));
        File.Delete(paths.DomainAutostart(name));
    }

    public bool IsAutostart(string name) => File.Exists(paths.DomainAutostart(name));

    public void SetAutostart(string name, bool enabled)
    {
        if (enabled) AtomicFile.WriteAllText(paths.DomainAutostart(name), paths.DomainConfig(name) + "\n");
        else File.Delete(paths.DomainAutostart(name));
    }

    public IEnumerable<(string Name, string Xml)> LoadStatuses() =>
        Directory.EnumerateFiles(paths.DomainStatusDir, "*.xml").Order()
            .Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllText(f)));

    public void SaveStatus(string name, QemuStatusFile status) =>
        AtomicFile.WriteAllText(paths.DomainStatus(name), status.ToXml(), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>The status file alone, leaving the run directory (a live QEMU's monitor socket and pid file).</summary>
    public void DeleteStatusFile(string name) => File.Delete(paths.DomainStatus(name));

    public void DeleteStatus(string name)
    {
        File.Delete(paths.DomainStatus(name));
        var run = paths.Qemu(name).RunDir;
        if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
    }
}
