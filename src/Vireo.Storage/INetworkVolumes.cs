using Vireo.Core.Storage;

namespace Vireo.Storage;

/// <summary>Backends whose volumes QEMU reaches over the network itself (iscsi-direct, rbd, gluster): the disk source for a volume.</summary>
public interface INetworkVolumes
{
    /// <summary>The &lt;source protocol= name=&gt; of a network disk for the volume; hosts and auth come from the pool.</summary>
    (string Protocol, string Name) SourceOf(StoragePoolDefinition pool, VolumeRecord volume);
}
