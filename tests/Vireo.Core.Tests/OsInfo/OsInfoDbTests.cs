using Vireo.Core.OsInfo;

namespace Vireo.Core.Tests.OsInfo;

/// <summary>osinfo-db parsing: inheritance through derives-from, suggestions, media and tree detection (fixture documents).</summary>
public class OsInfoDbTests
{
    private const string Rhel80 = """
        <libosinfo version="0.0.1">
          <os id="http://redhat.com/rhel/8.0">
            <short-id>rhel8.0</short-id>
            <name>Red Hat Enterprise Linux 8.0</name>
            <name xml:lang="de">Red Hat Enterprise Linux 8.0 (de)</name>
            <family>linux</family>
            <devices>
              <device id="http://pcisig.com/pci/1af4/1001"/>
              <device id="http://pcisig.com/pci/1af4/1000"/>
              <device id="http://qemu.org/chipset/x86/q35"/>
            </devices>
            <media arch="x86_64">
              <iso><volume-id>RHEL-8-0-(([0-9]|[1-9][0-9])-)?BaseOS-x86_64</volume-id></iso>
              <kernel>isolinux/vmlinuz</kernel><initrd>isolinux/initrd.img</initrd>
            </media>
            <tree arch="x86_64"><treeinfo><family>Red Hat Enterprise Linux</family><version>^8.0(.([0-9]|[1-9][0-9]))?$</version></treeinfo></tree>
            <resources arch="x86_64">
              <minimum><ram>1610612736</ram></minimum>
              <recommended><ram>2147483648</ram><storage>21474836480</storage></recommended>
            </resources>
          </os>
        </libosinfo>
        """;

    private const string Rhel81 = """
        <libosinfo version="0.0.1">
          <os id="http://redhat.com/rhel/8.1">
            <short-id>rhel8.1</short-id>
            <name>Red Hat Enterprise Linux 8.1</name>
            <derives-from id="http://redhat.com/rhel/8.0"/>
          </os>
        </libosinfo>
        """;

    private const string Old = """
        <libosinfo version="0.0.1">
          <os id="http://example.org/old/1"><short-id>oldos1</short-id><name>Old OS</name><eol-date>2001-01-01</eol-date></os>
        </libosinfo>
        """;

    private static readonly OsInfoDb Db = OsInfoDb.Parse([Rhel80, Rhel81, Old, "<not xml"]);

    [Fact]
    public void An_os_inherits_devices_and_resources_from_the_one_it_derives_from()
    {
        var os = Db.Find("RHEL8.1")!;
        Assert.Equal("Red Hat Enterprise Linux 8.1", os.Name);
        Assert.True(os.SupportsVirtioBlock && os.SupportsVirtioNet && os.SupportsQ35);
        Assert.Equal(("virtio", "virtio"), (os.DiskBus(q35: true), os.NicModel(q35: true)));
        Assert.Equal((1610612736L, 2147483648L), (os.MinimumRam, os.RecommendedRam));
        var old = Db.Find("oldos1")!;
        Assert.Equal(("ide", "e1000"), (old.DiskBus(q35: false), old.NicModel(q35: false)));
        Assert.Equal(new DateOnly(2001, 1, 1), old.Eol);
    }

    [Fact]
    public void Close_names_are_suggested_prefixes_first()
    {
        Assert.Equal(["rhel8.0", "rhel8.1"], Db.Suggest("rhel8"));
        Assert.Contains("rhel8.0", Db.Suggest("rhle8.0"));
        Assert.Empty(Db.Suggest("windows11"));
    }

    [Fact]
    public void Media_are_recognised_by_volume_id_and_trees_by_treeinfo()
    {
        Assert.Equal("rhel8.0", Db.DetectByVolumeId("RHEL-8-0-0-BaseOS-x86_64")?.ShortId);
        Assert.Null(Db.DetectByVolumeId("Debian 11 amd64"));
        Assert.Equal("rhel8.0", Db.DetectByTree("Red Hat Enterprise Linux", "8.0")?.ShortId);
        Assert.Null(Db.DetectByTree("Red Hat Enterprise Linux", "9.0"));
    }
}
