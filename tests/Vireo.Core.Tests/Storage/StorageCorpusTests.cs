using Vireo.Core.Errors;
using Vireo.Core.Storage;

namespace Vireo.Core.Tests.Storage;

/// <summary>Every pool, volume and secret file of the shared libvirt corpus is accepted and written back with nothing lost.</summary>
public class StorageCorpusTests
{
    public static TheoryData<string> Pools => Corpus.Files("storage-pool");
    public static TheoryData<string> Volumes => Corpus.Files("storage-vol");
    public static TheoryData<string> Secrets => Corpus.Files("secret");

    [Theory]
    [MemberData(nameof(Pools))]
    public void Pool_round_trips(string file)
    {
        var input = Corpus.Read("storage-pool", file);
        var def = StoragePoolDefinition.Parse(input);
        def.ApplyDefaults();
        Assert.NotEqual(Guid.Empty, def.Uuid);
        Assert.Empty(XmlPreservation.Missing(input, def.ToXml()));
        // What was written back parses to the same view.
        var again = StoragePoolDefinition.Parse(def.ToXml());
        Assert.Equal((def.Type, def.Name, def.Uuid, def.TargetPath, def.SourceName), (again.Type, again.Name, again.Uuid, again.TargetPath, again.SourceName));
    }

    [Theory]
    [MemberData(nameof(Volumes))]
    public void Volume_round_trips(string file)
    {
        var input = Corpus.Read("storage-vol", file);
        var def = StorageVolumeDefinition.Parse(input);
        Assert.Empty(XmlPreservation.Missing(input, def.ToXml()));
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Secret_round_trips(string file)
    {
        var input = Corpus.Read("secret", file);
        var def = SecretDefinition.Parse(input);
        def.ApplyDefaults();
        Assert.NotNull(def.UsageType);
        Assert.Empty(XmlPreservation.Missing(input, def.ToXml()));
    }

    [Fact]
    public void Typed_views_read_what_the_files_say()
    {
        var dir = StoragePoolDefinition.Parse(Corpus.Read("storage-pool", "pool-dir-naming.xml"));
        Assert.Equal("/var/lib/libvirt/<images>", dir.TargetPath);
        Assert.Equal(Convert.ToInt32("700", 8), dir.TargetPermissions!.Mode);
        var rbd = StoragePoolDefinition.Parse(Corpus.Read("storage-pool", "pool-rbd.xml"));
        Assert.Equal("rbd", rbd.Type);
        Assert.Equal("ceph", rbd.Auth!.Type);
        Assert.NotEmpty(rbd.SourceHosts);
        var vol = StorageVolumeDefinition.Parse(Corpus.Read("storage-vol", "vol-qcow2-lazy.xml"));
        Assert.Equal(5L * 1024 * 1024 * 1024, vol.Capacity);
        Assert.Equal("qcow2", vol.Format);
        Assert.True(vol.LazyRefcounts);
        Assert.Equal("/dev/null", vol.BackingPath);
        var secret = SecretDefinition.Parse(Corpus.Read("secret", "usage-ceph.xml"));
        Assert.True(secret.Private);
        Assert.Equal("ceph CephCephCephCeph", secret.UsageText);
    }

    [Theory]
    [InlineData("<pool type='dir'><name>a/b</name><target><path>/x</path></target></pool>", "must not contain '/'")]
    [InlineData("<pool type='dir'><name>..</name><target><path>/x</path></target></pool>", "must not be '.' or '..'")]
    [InlineData("<pool type='rbd'><name>p</name><source><name>r</name><host name='mon1&#10;admin socket = /tmp/x'/></source></pool>", "<host> (line 1): 'name' must not contain control characters (found U+000A (newline))")]
    [InlineData("<pool type='rbd'><name>p</name><source><name>r</name><host name='mon1,mon2'/></source></pool>", "host 'mon1,mon2' is neither an IP address nor a host name")]
    [InlineData("<pool type='rbd'><name>p</name><source><name>r</name><host name='mon1'/><auth type='ceph' username='admin]&#10;[client.x'><secret usage='u'/></auth></source></pool>", "<auth> (line 1): 'username' must not contain control characters")]
    [InlineData("<pool type='dir'><name>p</name><target><path>/x&#10;y</path></target></pool>", "<path> (line 1): must not contain control characters")]
    [InlineData("<pool type='dir'><name>p</name></pool>", "needs <target><path>")]
    [InlineData("<pool type='floppy'><name>p</name></pool>", "unknown storage pool type 'floppy'")]
    [InlineData("<pool type='netfs'><name>p</name><target><path>/x</path></target></pool>", "needs <source><host")]
    [InlineData("<pool type='rbd'><name>p</name><source><name>r</name><host name='h' port='99999'/></source></pool>", "port '99999'")]
    [InlineData("<pool type='dir'><name>p</name><uuid>nope</uuid><target><path>rel</path><permissions><mode>999</mode></permissions></target></pool>", "3 problems")]
    [InlineData("<pool type='dir'><name>p</name><target><path>/x</path></target>", "XML error")]
    public void Bad_pools_are_refused_naming_the_problem(string xml, string message)
    {
        var e = Assert.Throws<VireoException>(() => StoragePoolDefinition.Parse(xml));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("<volume><name>../etc/passwd</name><capacity>1</capacity></volume>", "must not contain '/'")]
    [InlineData("<volume><name>..</name><capacity>1</capacity></volume>", "must not be '.' or '..'")]
    [InlineData("<volume><name>v</name></volume>", "<capacity> is missing")]
    [InlineData("<volume><name>v</name><capacity unit='parsecs'>1</capacity></volume>", "unknown unit 'parsecs'")]
    [InlineData("<volume><name>v</name><capacity>-5</capacity></volume>", "invalid value '-5'")]
    public void Bad_volumes_are_refused_naming_the_problem(string xml, string message)
    {
        var e = Assert.Throws<VireoException>(() => StorageVolumeDefinition.Parse(xml));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("<secret><usage type='ceph'/></secret>", "needs a <name>")]
    [InlineData("<secret><usage type='floppy'><name>x</name></usage></secret>", "unknown usage type 'floppy'")]
    [InlineData("<secret private='maybe'/>", "must be 'yes' or 'no'")]
    public void Bad_secrets_are_refused_naming_the_problem(string xml, string message)
    {
        var e = Assert.Throws<VireoException>(() => SecretDefinition.Parse(xml));
        Assert.Contains(message, e.Message);
    }
}
