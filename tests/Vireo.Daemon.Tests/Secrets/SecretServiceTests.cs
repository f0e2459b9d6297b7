using System.Text;
using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Daemon.Tests.Secrets;

/// <summary>Secrets: define and its libvirt rules, lookup by uuid then usage, undefine, and what survives a restart.</summary>
public sealed class SecretServiceTests : IDisposable
{
    private const string A = "95b1ed29-16aa-4e95-9917-c2cd4f3b2791";
    private const string B = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";

    private readonly SecretHost _h = new();

    public void Dispose() => _h.Dispose();

    private Task Define(string xml) => _h.Secrets.DefineAsync(xml);

    [Fact]
    public async Task A_secret_is_found_by_uuid_first_then_by_usage_id()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret"));
        // B's usage id is A's uuid: the uuid wins, as a name that looks like a uuid does in virsh.
        await Define(SecretHost.Ceph(B, A));
        Assert.Equal(Guid.Parse(A), _h.Secrets.Get(A).Uuid);
        Assert.Equal(Guid.Parse(A), _h.Secrets.Get(A.ToUpperInvariant()).Uuid);
        Assert.Equal(Guid.Parse(B), _h.Secrets.Get(B).Uuid);
        Assert.Equal(Guid.Parse(A), _h.Secrets.Get("client.admin secret").Uuid);

        var e = Assert.Throws<VireoException>(() => _h.Secrets.Get("client.nobody"));
        Assert.Equal(ErrorCode.NoSecret, e.Code);
        Assert.Equal("secret not found: no secret with matching uuid 'client.nobody'", e.Message);
    }

    [Fact]
    public async Task Define_keeps_libvirts_rules_for_usage_and_the_private_flag()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret", " private='yes'"));
        var clash = await Assert.ThrowsAsync<VireoException>(() => Define(SecretHost.Ceph(B, "client.admin secret")));
        Assert.Equal($"a secret with UUID {A} already defined for use with ceph client.admin secret", clash.Message);
        var usage = await Assert.ThrowsAsync<VireoException>(() => Define(SecretHost.Ceph(A, "client.other secret", " private='yes'")));
        Assert.Equal($"a secret with UUID {A} is already defined for use with client.admin secret", usage.Message);
        // Redefining a private secret as not private would hand its value to anyone who asks.
        var opened = await Assert.ThrowsAsync<VireoException>(() => Define(SecretHost.Ceph(A, "client.admin secret")));
        Assert.Equal("cannot change private flag on existing secret", opened.Message);
        Assert.True(_h.Secrets.Get(A).Private);
        Assert.Contains("private='yes'", File.ReadAllText(_h.XmlFile(A)));
        Assert.False(File.Exists(_h.XmlFile(B)));
        // The other way is allowed, and the new definition is what is kept.
        await Define(SecretHost.Ceph(B, "client.b secret"));
        await Define(SecretHost.Ceph(B, "client.b secret", " private='yes'"));
        Assert.True(_h.Secrets.Get(B).Private);
        _h.Restart();
        Assert.True(_h.Secrets.Get(B).Private);
    }

    [Fact]
    public async Task Undefine_removes_the_definition_and_the_value()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret"));
        _h.Secrets.SetValue(A, "k"u8.ToArray());
        Assert.True(File.Exists(_h.ValueFile(A)));
        _h.Secrets.Undefine("client.admin secret");
        Assert.False(File.Exists(_h.XmlFile(A)));
        Assert.False(File.Exists(_h.ValueFile(A)));
        Assert.Empty(_h.Secrets.List());
        _h.Restart();
        Assert.Empty(_h.Secrets.List());
        Assert.Equal(ErrorCode.NoSecret, Assert.Throws<VireoException>(() => _h.Secrets.Undefine(A)).Code);
    }

    [Fact]
    public async Task Values_survive_a_restart_and_ephemeral_ones_do_not()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret"));
        await Define(SecretHost.Ceph(B, "client.eph secret", " ephemeral='yes'"));
        _h.Secrets.SetValue(A, "persistent"u8.ToArray());
        _h.Secrets.SetValue(B, "in memory"u8.ToArray());
        Assert.True(_h.Secrets.Get(B).HasValue);
        Assert.False(File.Exists(_h.XmlFile(B)));
        Assert.False(File.Exists(_h.ValueFile(B)));
        Assert.Equal("in memory", Encoding.UTF8.GetString(_h.Secrets.GetValue(B)));

        _h.Restart();
        Assert.Equal("persistent", Encoding.UTF8.GetString(_h.Secrets.GetValue(A)));
        Assert.Equal([Guid.Parse(A)], _h.Secrets.List().Select(s => s.Uuid));
    }

    [Fact]
    public async Task A_secret_turning_ephemeral_keeps_its_value_in_memory_only_and_back_on_disk_when_it_turns_persistent()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret"));
        _h.Secrets.SetValue(A, "moved"u8.ToArray());

        await Define(SecretHost.Ceph(A, "client.admin secret", " ephemeral='yes'"));
        Assert.False(File.Exists(_h.XmlFile(A)));
        Assert.False(File.Exists(_h.ValueFile(A)));
        Assert.True(_h.Secrets.Get(A).HasValue);
        Assert.Equal("moved", Encoding.UTF8.GetString(_h.Secrets.GetValue(A)));

        await Define(SecretHost.Ceph(A, "client.admin secret"));
        Assert.True(File.Exists(_h.XmlFile(A)));
        Assert.True(File.Exists(_h.ValueFile(A)));
        _h.Restart();
        Assert.Equal("moved", Encoding.UTF8.GetString(_h.Secrets.GetValue(A)));
    }

    [Fact]
    public async Task A_value_is_required_and_a_secret_without_one_says_so()
    {
        await Define(SecretHost.Ceph(A, "client.admin secret"));
        var missing = Assert.Throws<VireoException>(() => _h.Secrets.SetValue(A, null));
        Assert.Equal(ErrorCode.InvalidArgument, missing.Code);
        var none = Assert.Throws<VireoException>(() => _h.Secrets.GetValue(A));
        Assert.Equal(ErrorCode.NoSecret, none.Code);
        Assert.Equal($"secret '{A}' does not have a value", none.Message);
        Assert.Equal($"secret '{A}' does not have a value",
            Assert.Throws<VireoException>(() => _h.Secrets.ValueFor(new DiskAuth("admin", "ceph", Guid.Parse(A), null))).Message);
    }
}
