using Vireo.Core.Storage;

namespace Vireo.Storage.Rbd;

/// <summary>
/// A throw-away ceph client configuration for one command: mon hosts and a 0600 keyring in a private
/// directory, deleted afterwards. The cephx key never goes on the rbd/ceph command line.
/// </summary>
public sealed class CephClientConfig : IDisposable
{
    private readonly string _dir;

    public string ConfFile { get; }
    public string Id { get; }

    public CephClientConfig(StoragePoolDefinition pool, ISecretValues secrets, string stateDir)
    {
        _dir = Path.Combine(stateDir, "ceph-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Id = pool.Auth?.Username ?? "admin";
        var mons = string.Join(",", pool.SourceHosts.Select(h => $"{(h.Name.Contains(':') ? $"[{h.Name}]" : h.Name)}:{h.Port ?? 6789}"));
        // A cluster that does not answer would make rbd wait forever: bound it.
        var conf = $"[global]\nmon host = {mons}\nclient mount timeout = 15\nrados mon op timeout = 15\nrados osd op timeout = 60\n";
        if (pool.Auth is { } auth)
        {
            var keyring = Path.Combine(_dir, "keyring");
            var key = ISecretValues.CephKey(secrets.Value(auth));
            File.WriteAllText(keyring, "");
            File.SetUnixFileMode(keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(keyring, $"[client.{Id}]\n\tkey = {key}\n");
            conf += $"keyring = {keyring}\n";
        }
        else conf += "auth client required = none\n";
        // Pool-level <config opt='value'/> from the rbd namespace would go here; the defaults do for now.
        ConfFile = Path.Combine(_dir, "ceph.conf");
        File.WriteAllText(ConfFile, conf);
    }

    /// <summary>The arguments every rbd/ceph call starts with.</summary>
    public string[] Args => ["-c", ConfFile, "--id", Id];

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
