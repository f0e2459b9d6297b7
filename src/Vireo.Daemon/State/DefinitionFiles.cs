using Vireo.Core.Errors;

namespace Vireo.Daemon.State;

/// <summary>
/// Loads a directory of NAME.xml definitions at start-up. A hand-edited file that does not parse, whose
/// name disagrees with its file name, or whose uuid another file already has is left out and reported:
/// loading it would make two objects answer to one name or uuid, and an undefine of one would bring the
/// other back at the next start.
/// </summary>
public static class DefinitionFiles
{
    /// <param name="keyOf">What the file must be named after (the name; the uuid for secrets).</param>
    public static List<T> Load<T>(string dir, Func<string, T> parse, Func<T, string> keyOf, Func<T, Guid> uuidOf, string kind, Action<string> refused)
    {
        var loaded = new List<T>();
        var uuids = new Dictionary<Guid, string>();
        if (!Directory.Exists(dir)) return loaded;
        foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Order(StringComparer.Ordinal))
        {
            T def;
            try { def = parse(File.ReadAllText(file)); }
            catch (Exception ex) when (ex is VireoException or IOException or UnauthorizedAccessException)
            {
                refused($"{file}: {ex.Message}; the {kind} was not loaded");
                continue;
            }
            var stem = Path.GetFileNameWithoutExtension(file);
            if (keyOf(def) != stem)
            {
                refused($"{file} defines {kind} '{keyOf(def)}' but is named after '{stem}'; it was not loaded (rename the file or correct it)");
                continue;
            }
            if (uuids.TryGetValue(uuidOf(def), out var first))
            {
                refused($"{file}: uuid {uuidOf(def)} is already used by {kind} '{first}'; it was not loaded");
                continue;
            }
            uuids[uuidOf(def)] = stem;
            loaded.Add(def);
        }
        return loaded;
    }
}
