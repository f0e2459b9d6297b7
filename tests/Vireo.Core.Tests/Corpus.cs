namespace Vireo.Core.Tests;

/// <summary>Finds ../shared/compat/libvirt-xml next to the repository.</summary>
public static class Corpus
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
                dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException("repository root (Vireo.slnx) not found above " + AppContext.BaseDirectory);
            var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "compat", "libvirt-xml"));
            if (!Directory.Exists(path))
                throw new InvalidOperationException($"libvirt XML corpus not found at {path}: the shared/ folder must sit beside the repository");
            return path;
        }
    }

    public static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(Root, folder), "*.xml").Order())
            data.Add(Path.GetFileName(f));
        return data;
    }

    public static string Read(string folder, string file) => File.ReadAllText(Path.Combine(Root, folder, file));
}
