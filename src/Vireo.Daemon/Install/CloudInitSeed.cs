using System.Text;
using Vireo.Contracts;

namespace Vireo.Daemon.Install;

/// <summary>
/// The NoCloud seed of --cloud-init: an ISO labelled "cidata" with user-data, meta-data and
/// (when given) network-config. Without user-data of its own, one is written from the password and
/// SSH-key options, as virt-install does.
/// </summary>
public static class CloudInitSeed
{
    public static (Dictionary<string, byte[]> Files, string? GeneratedPassword) Files(string name, InstallCloudInit ci)
    {
        string? generated = null;
        var userData = ci.UserData;
        if (userData is null)
        {
            var password = ci.RootPassword ?? (ci.RootPasswordGenerate ? generated = InstallService.RandomPassword() : null);
            var sb = new StringBuilder("#cloud-config\n");
            if (password is not null)
                sb.Append($"chpasswd:\n  list: |\n    root:{password}\n  expire: True\nssh_pwauth: True\n");
            if (ci.SshKey is { } key)
                sb.Append($"users:\n  - name: root\n    ssh_authorized_keys:\n      - {key.Trim()}\n");
            // Only the first boot runs cloud-init with this seed: turn it off for later boots, as virt-install does.
            sb.Append("runcmd:\n  - [ sh, -c, 'touch /etc/cloud/cloud-init.disabled' ]\n");
            userData = sb.ToString();
        }
        var files = new Dictionary<string, byte[]>
        {
            ["user-data"] = Encoding.UTF8.GetBytes(userData),
            ["meta-data"] = Encoding.UTF8.GetBytes(ci.MetaData ?? $"instance-id: {Guid.NewGuid()}\nlocal-hostname: {name}\n"),
        };
        if (ci.NetworkConfig is { } net) files["network-config"] = Encoding.UTF8.GetBytes(net);
        return (files, generated);
    }
}
