using Vireo.Core.Names;
using Vireo.Host.Files;

namespace Vireo.Daemon.State;

/// <summary>How one kind of definition is read, named and written.</summary>
/// <param name="Noun">"domain", "network", ... for messages.</param>
/// <param name="KeyOf">What its files are named after: the name, or the uuid for secrets.</param>
public sealed record DefinitionKind<T>(string Noun, Func<string, T> Parse, Func<T, string> KeyOf, Func<T, Guid> UuidOf, Func<T, string> ToXml);

/// <summary>
/// The files behind one kind of definition, as libvirt lays them out: KEY.xml in the config directory
/// (0600), autostart marks, the live state of running objects, and the first-start mark that says the
/// defaults (the 'default' network, the 'default' pool) were made once. Every write is atomic. Domains,
/// networks, pools and secrets all keep their definitions here.
/// </summary>
public sealed class DefinitionStore<T>(DefinitionKind<T> kind, string configDir, string? autostartDir = null, string? liveDir = null)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public DefinitionKind<T> Kind => kind;

    public string ConfigPath(string key) => Path.Combine(configDir, ObjectName.EnsureValid(key, kind.Noun) + ".xml");

    /// <summary>Every definition that loads cleanly; the others are reported through <paramref name="refused"/>.</summary>
    public List<T> LoadAll(Action<string> refused) =>
        DefinitionFiles.Load(configDir, kind.Parse, kind.KeyOf, kind.UuidOf, kind.Noun, refused);

    public void Save(T def) => AtomicFile.WriteAllText(ConfigPath(kind.KeyOf(def)), kind.ToXml(def), Private);

    /// <summary>Removes the definition and its autostart mark.</summary>
    public void Delete(string key)
    {
        File.Delete(ConfigPath(key));
        if (autostartDir is not null) File.Delete(AutostartPath(key));
    }

    public bool IsAutostart(string key) => autostartDir is not null && File.Exists(AutostartPath(key));

    /// <summary>The mark holds the definition's path, like libvirt's autostart symlink points at it.</summary>
    public void SetAutostart(string key, bool enabled)
    {
        if (enabled) AtomicFile.WriteAllText(AutostartPath(key), ConfigPath(key) + "\n");
        else File.Delete(AutostartPath(key));
    }

    /// <summary>True exactly once per root: the first time vireod starts with it (libvirt's first-start defaults).</summary>
    public bool TakeFirstStart()
    {
        var marker = Path.Combine(configDir, ".initialized");
        if (File.Exists(marker)) return false;
        AtomicFile.WriteAllText(marker, "");
        return true;
    }

    public string LivePath(string key) => Path.Combine(LiveDir, ObjectName.EnsureValid(key, kind.Noun) + ".xml");

    public void SaveLive(string key, string text) => AtomicFile.WriteAllText(LivePath(key), text, Private);

    public void DeleteLive(string key) => File.Delete(LivePath(key));

    /// <summary>The live state files of running objects, by key, for adoption after a restart.</summary>
    public IEnumerable<(string Key, string Text)> LoadLive() =>
        Directory.Exists(LiveDir)
            ? Directory.EnumerateFiles(LiveDir, "*.xml").Order(StringComparer.Ordinal).Select(f => (Path.GetFileNameWithoutExtension(f), File.ReadAllText(f)))
            : [];

    public void CreateDirectories()
    {
        Directory.CreateDirectory(configDir);
        if (autostartDir is not null) Directory.CreateDirectory(autostartDir);
        if (liveDir is not null) Directory.CreateDirectory(liveDir);
    }

    private string LiveDir => liveDir ?? throw new InvalidOperationException($"{kind.Noun} definitions have no live state");

    private string AutostartPath(string key) =>
        Path.Combine(autostartDir ?? throw new InvalidOperationException($"{kind.Noun} definitions have no autostart"), ObjectName.EnsureValid(key, kind.Noun));
}
