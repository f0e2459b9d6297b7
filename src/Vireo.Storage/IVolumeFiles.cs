using Microsoft.Win32.SafeHandles;
using Vireo.Core.Paths;

namespace Vireo.Storage;

/// <summary>Pools whose volumes are files vireod opens itself (dir, fs, netfs, gluster): vol-upload and vol-download.</summary>
public interface IVolumeFiles
{
    /// <summary>Opens a volume's file without leaving the pool: a symlink out of it, a FIFO or a device is refused.</summary>
    SafeFileHandle OpenVolume(VolumeRecord volume, FileAccess access);

    /// <summary>Why a volume may not be handed out whole (its backing chain leads where guests may not go), or null.</summary>
    string? BackingProblem(VolumeRecord volume, GuestPathPolicy policy);
}
