using Vireo.Core.Names;
using Vireo.Core.Storage;
using Vireo.Daemon.State;

namespace Vireo.Daemon.Storage;

/// <summary>
/// The files behind storage pools, in a <see cref="DefinitionStore{T}"/>: definitions in ROOT/etc/vireo/storage/NAME.xml,
/// autostart marks in ROOT/etc/vireo/autostart/storage/NAME, and for each running pool the definition it runs
/// with in ROOT/run/vireo/storage/NAME.xml, so a restarted vireod starts it again (a transient one too). An
/// older vireod marked a running pool with an empty file ROOT/run/vireo/storage/NAME: that mark is still
/// honoured, and removed when the pool stops.
/// </summary>
public sealed class PoolStore(VireoPaths paths)
{
    public static readonly DefinitionKind<StoragePoolDefinition> Kind = new("storage pool", Parse, d => d.Name, d => d.Uuid, d => d.ToXml());

    private readonly string _liveDir = Path.Combine(paths.RunDir, "storage");

    public DefinitionStore<StoragePoolDefinition> Definitions { get; } =
        new(Kind, paths.PoolConfigDir, Path.Combine(paths.AutostartDir, "storage"), Path.Combine(paths.RunDir, "storage"));

    /// <summary>A definition as it is kept: a file without a uuid (written by hand) gets one, as libvirt gives it at load.</summary>
    private static StoragePoolDefinition Parse(string xml)
    {
        var def = StoragePoolDefinition.Parse(xml);
        def.ApplyDefaults();
        return def;
    }

    /// <summary>Whether the pool was running when vireod last stopped: a live definition, or an older vireod's empty mark.</summary>
    public bool IsMarkedActive(string name) =>
        new FileInfo(Definitions.LivePath(name)) is { Exists: true, Length: > 0 } || File.Exists(OldMark(name));

    public void MarkActive(StoragePoolDefinition def)
    {
        Definitions.SaveLive(def.Name, def.ToXml());
        DeleteOldMark(def.Name);
    }

    public void ClearActive(string name)
    {
        Definitions.DeleteLive(name);
        DeleteOldMark(name);
    }

    /// <summary>The definitions running pools were started with, by name (never an older vireod's empty marks).</summary>
    public IEnumerable<(string Name, string Xml)> LiveDefinitions() => Definitions.LoadLive().Where(l => l.Text.Length > 0);

    /// <summary>Only a file: ROOT/run/vireo/storage also holds the backends' private directories (gluster mounts).</summary>
    private void DeleteOldMark(string name)
    {
        if (File.Exists(OldMark(name))) File.Delete(OldMark(name));
    }

    private string OldMark(string name) => Path.Combine(_liveDir, ObjectName.EnsureValid(name, Kind.Noun));
}
