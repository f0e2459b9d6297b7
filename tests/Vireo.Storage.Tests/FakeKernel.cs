using Vireo.Host.Processes;

namespace Vireo.Storage.Tests;

/// <summary>A fake /sys, /proc and /dev tree for KernelFeatures.</summary>
public sealed class FakeKernel : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("vireo-kernel-").FullName;

    public FakeKernel With(string path, bool directory = true)
    {
        var full = Path.Combine(Root, path.TrimStart('/'));
        if (directory) Directory.CreateDirectory(full);
        else { Directory.CreateDirectory(Path.GetDirectoryName(full)!); File.WriteAllText(full, ""); }
        return this;
    }

    public void Dispose() => Directory.Delete(Root, true);
}

public sealed class FixedSecrets(string value) : ISecretValues
{
    public byte[] Value(Core.Storage.PoolAuth auth) => System.Text.Encoding.UTF8.GetBytes(value);
}
