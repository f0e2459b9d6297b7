using System.Runtime.InteropServices;

namespace Vireo.Host.Interop;

/// <summary>Group lookups through the C library (getgrnam_r), so NSS sources beyond /etc/group count too.</summary>
public static unsafe partial class Groups
{
    private const int ERANGE = 34;

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int getgrnam_r(string name, byte* group, byte* buffer, nuint length, byte** result);

    /// <summary>
    /// The gid of <paramref name="group"/>, read the way libvirt's virGetGroupID reads it: a group name, or a number
    /// that is not a group name, or "+N" for the number N whatever names exist. Null if there is no such group.
    /// </summary>
    public static int? IdOf(string group)
    {
        if (group.StartsWith('+')) return int.TryParse(group.AsSpan(1), out var forced) && forced >= 0 ? forced : null;
        if (Lookup(group) is { } gid) return gid;
        return int.TryParse(group, out var n) && n >= 0 ? n : null;
    }

    private static int? Lookup(string name)
    {
        var entry = stackalloc byte[32]; // struct group: gr_name, gr_passwd, gr_gid (offset 16), gr_mem
        for (var size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* b = buffer)
            {
                byte* result = null;
                var rc = getgrnam_r(name, entry, b, (nuint)size, &result);
                if (rc == ERANGE) continue;
                if (rc != 0) throw new IOException($"cannot look up group '{name}': {Marshal.GetPInvokeErrorMessage(rc)}");
                return result is null ? null : *(int*)(entry + 16);
            }
        }
        throw new IOException($"cannot look up group '{name}': its entry is too large");
    }
}
