using Vireo.Core.Storage;

namespace Vireo.Storage;

/// <summary>How a backend gets the value of the secret a pool's &lt;auth&gt; names (set by the daemon's secret service).</summary>
public interface ISecretValues
{
    /// <summary>The secret's value, as secret-set-value stored it (the base64 it was given, decoded); throws naming the secret when it has none.</summary>
    byte[] Value(PoolAuth auth);

    /// <summary>
    /// As libvirt: a ceph secret's value is the cephx key itself (so its text form is base64 again);
    /// a CHAP secret's value is the password's bytes.
    /// </summary>
    public static string CephKey(byte[] value) => Convert.ToBase64String(value);

    public static string ChapPassword(byte[] value) => System.Text.Encoding.UTF8.GetString(value);
}
