using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Core.Tests.Domain;

public class DomainDefinitionTests
{
    internal const string MinimalXml = Minimal;
    private const string Minimal = """
        <domain type='qemu'>
          <name>t1</name>
          <memory unit='MiB'>128</memory>
          <vcpu placement='static' current='1'>2</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type><kernel>/k</kernel><cmdline>console=ttyS0</cmdline></os>
          <on_poweroff>destroy</on_poweroff>
          <devices>
            <interface type='network'><source network='default'/><model type='virtio'/></interface>
            <x-unknown keep='me'><child/></x-unknown>
          </devices>
        </domain>
        """;

    [Fact]
    public void Parses_the_typed_view()
    {
        var d = DomainDefinition.Parse(Minimal);
        Assert.Equal("t1", d.Name);
        Assert.Equal(128 * 1024, d.MemoryKiB);
        Assert.Equal(2, d.Vcpus);
        Assert.Equal(1, d.VcpusCurrent);
        Assert.Equal("/k", d.Os.Kernel);
        Assert.Equal("pc", d.Os.Machine);
        Assert.Single(d.Interfaces);
    }

    [Fact]
    public void Defaults_generate_uuid_mac_and_current_memory_and_keep_unknown_elements()
    {
        var d = DomainDefinition.Parse(Minimal);
        DomainDefaults.Apply(d);
        Assert.NotEqual(Guid.Empty, d.Uuid);
        Assert.Matches("^52:54:00(:[0-9a-f]{2}){3}$", d.Interfaces[0].Mac);
        Assert.Equal(d.MemoryKiB, d.CurrentMemoryKiB);
        Assert.Contains("<x-unknown keep='me'>", d.ToXml());
    }

    [Fact]
    public void Reports_every_problem_not_just_the_first()
    {
        var bad = """
            <domain type='qemu'>
              <name>a/b</name>
              <memory>0</memory>
              <vcpu cpuset='x'>1</vcpu>
              <on_crash>explode</on_crash>
            </domain>
            """;
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse(bad));
        Assert.True(ex.Details.Count >= 4, string.Join("\n", ex.Details));
        Assert.Contains(ex.Details, p => p.Contains("must not contain '/'"));
        Assert.Contains(ex.Details, p => p.Contains("memory size"));
        Assert.Contains(ex.Details, p => p.Contains("cpuset 'x'"));
        Assert.Contains(ex.Details, p => p.Contains("explode"));
    }

    [Fact]
    public void Malformed_xml_names_line_and_column()
    {
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse("<domain type='qemu'>\n<name>x</nam>\n</domain>"));
        Assert.Equal(ErrorCode.InvalidXml, ex.Code);
        Assert.Contains("line 2", ex.Message);
    }

    [Fact]
    public void Dtd_and_external_entities_are_refused()
    {
        var xxe = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain type='qemu'><name>&x;</name></domain>";
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse(xxe));
        Assert.Equal(ErrorCode.InvalidXml, ex.Code);
        Assert.Contains("DTD", ex.Message);
    }

    [Fact]
    public void Oversized_documents_are_refused()
    {
        var huge = "<domain type='qemu'><name>x</name><description>" + new string('a', 5_000_000) + "</description></domain>";
        var ex = Assert.Throws<VireoException>(() => DomainDefinition.Parse(huge));
        Assert.Contains("too large", ex.Message);
    }

    [Theory]
    [InlineData("1", "GiB", 1048576)]
    [InlineData("1000", "KB", 977)]
    [InlineData("524288", null, 524288)]
    [InlineData("1", "bytes", 1)]
    public void Memory_units(string value, string? unit, long kib) => Assert.Equal(kib, MemorySize.ToKiB(value, unit, "x"));

    [Theory]
    [InlineData("vda", 0)]
    [InlineData("sdb", 1)]
    [InlineData("hdd", 3)]
    [InlineData("sdaa", 26)]
    public void Disk_index(string dev, int index) => Assert.Equal(index, DiskBus.Index(dev));
}

public class DomainDefinitionEdgeTests
{
    [Fact]
    public void Memory_may_come_from_numa_cells()
    {
        var d = DomainDefinition.Parse("""
            <domain type='qemu'><name>numa</name><vcpu>2</vcpu>
              <os><type>hvm</type></os>
              <cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/><cell id='1' cpus='1' memory='524288'/></numa></cpu>
            </domain>
            """);
        Assert.Equal(1024 * 1024, d.MemoryKiB);
    }

    [Theory]
    [InlineData("xen")]
    [InlineData("lxc")]
    [InlineData("hvf")]
    public void Other_hypervisor_types_are_valid_xml(string type) =>
        Assert.Equal(type, DomainDefinition.Parse($"<domain type='{type}'><name>x</name><memory>1024</memory></domain>").Type);

    [Fact]
    public void Unknown_hypervisor_type_is_rejected() =>
        Assert.Contains("unknown domain type 'vmx'",
            Assert.Throws<Vireo.Core.Errors.VireoException>(() => DomainDefinition.Parse("<domain type='vmx'><name>x</name><memory>1</memory></domain>")).Message);
}

public class DomainUniquenessTests
{
    private static string Dom(string devices, string extra = "") =>
        $"<domain type='qemu'><name>u</name><memory>65536</memory>{extra}<os><type>hvm</type></os><devices>{devices}</devices></domain>";

    [Theory]
    [InlineData("<controller type='usb' index='0'/><controller type='usb' index='0'/>", "Multiple 'usb' controllers with index '0'")]
    [InlineData("<rng model='virtio'><alias name='ua-x'/></rng><rng model='virtio'><alias name='ua-x'/></rng>", "non unique alias detected: ua-x")]
    [InlineData("<rng model='virtio'><address type='pci' domain='0' bus='0' slot='5' function='0'/></rng><memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></memballoon>", "Attempted double use of PCI Address 0000:00:05.0")]
    [InlineData("<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>", "expected unicast mac address")]
    [InlineData("<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>", "unable to parse mac address")]
    public void Duplicates_and_bad_macs_are_rejected(string devices, string expected) =>
        Assert.Contains(expected, Assert.Throws<Vireo.Core.Errors.VireoException>(() => DomainDefinition.Parse(Dom(devices))).Message);

    [Fact]
    public void Duplicate_iothread_ids_are_rejected() =>
        Assert.Contains("duplicate iothread id '1'", Assert.Throws<Vireo.Core.Errors.VireoException>(() =>
            DomainDefinition.Parse(Dom("", "<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>"))).Message);

    [Fact]
    public void Current_memory_above_memory_is_clamped_like_libvirt() =>
        Assert.Equal(65536, DomainDefinition.Parse("<domain type='qemu'><name>m</name><memory>65536</memory><currentMemory>99999999</currentMemory><os><type>hvm</type></os></domain>").CurrentMemoryKiB);
}

public class DomainDiskRuleTests
{
    private static string Dom(string devices, string extra = "", string arch = "x86_64") =>
        $"<domain type='qemu'><name>u</name><memory>65536</memory>{extra}<os><type arch='{arch}'>hvm</type></os><devices>{devices}</devices></domain>";

    private static string Disk(string inner, string type = "file", string device = "disk") =>
        $"<disk type='{type}' device='{device}'>{inner}</disk>";

    [Theory]
    [InlineData("<driver name='qemu' type='cow'/><source file='/a'/><target dev='vda'/>", "unsupported disk driver format 'cow'")]
    [InlineData("<driver name='qemu' type='iso'/><source file='/a'/><target dev='hdc' bus='ide'/>", "unsupported disk driver format 'iso'")]
    [InlineData("<driver name='qemu' type='qcow2'/><source file='/a'/><target dev='vda'/><shareable/>", "shared access for disk 'vda' requires a raw image")]
    [InlineData("<source file='/a'><auth username='u'><secret type='iscsi' usage='x'/></auth></source><auth username='u'><secret type='iscsi' usage='x'/></auth><target dev='vda'/>", "<auth> definition is given both")]
    [InlineData("<source file='/a'/><target dev='sda' bus='sata'/><address type='pci' domain='0' bus='0' slot='5' function='0'/>", "address type 'pci' is not valid for a disk on the 'sata' bus")]
    [InlineData("<source file='/a'/><target dev='sda' bus='usb'/><address type='pci' domain='0' bus='0' slot='5' function='0'/>", "is not valid for a disk on the 'usb' bus")]
    [InlineData("<source file='/a'/><target dev='vda'/><vendor>ACME</vendor>", "only SCSI disks support <vendor>")]
    [InlineData("<source file='/a'/><target dev='sda' bus='scsi'/><product>A very long product name</product>", "longer than 16 characters")]
    public void Disk_rules(string inner, string expected) =>
        Assert.Contains(expected, Assert.Throws<Vireo.Core.Errors.VireoException>(() => DomainDefinition.Parse(Dom(Disk(inner)))).Message);

    [Fact]
    public void Lun_needs_a_block_source() =>
        Assert.Contains("device='lun' is only valid", Assert.Throws<Vireo.Core.Errors.VireoException>(() =>
            DomainDefinition.Parse(Dom(Disk("<source file='/a'/><target dev='sda' bus='scsi'/>", "file", "lun")))).Message);

    [Fact]
    public void Hugepage_nodeset_must_name_numa_cells() =>
        Assert.Contains("names NUMA node 3", Assert.Throws<Vireo.Core.Errors.VireoException>(() => DomainDefinition.Parse(Dom("",
            "<memoryBacking><hugepages><page size='2048' unit='KiB' nodeset='0,3'/></hugepages></memoryBacking><vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='32768'/><cell id='1' cpus='1' memory='32768'/></numa></cpu>"))).Message);

    [Fact]
    public void X86_timers_on_other_architectures_are_rejected() =>
        Assert.Contains("only available for x86 guests", Assert.Throws<Vireo.Core.Errors.VireoException>(() =>
            DomainDefinition.Parse(Dom("", "<clock offset='utc'><timer name='kvmclock' present='yes'/></clock>", "s390x"))).Message);

    private static string WithNic(string nic) =>
        DomainDefinitionTests.MinimalXml.Replace("<interface type='network'><source network='default'/><model type='virtio'/></interface>", nic);

    [Theory]
    [InlineData("<interface type='direct'><model type='virtio'/></interface>", "type 'direct' needs <source dev='HOST-INTERFACE'")]
    [InlineData("<interface type='direct'><source dev='eth0' mode='bridged'/></interface>", "unknown macvtap mode 'bridged' (known: vepa, bridge, private, passthrough)")]
    [InlineData("<interface type='bridge'><source bridge='br0'/><script path='/bin/true'/></interface>", "scripts are not supported on interfaces of type bridge")]
    public void Nic_problems_are_named(string nic, string expected) =>
        Assert.Contains(expected, Assert.Throws<VireoException>(() => DomainDefinition.Parse(WithNic(nic))).Message);

    [Fact]
    public void Open_vswitch_ports_get_a_stable_interface_id_at_define_time()
    {
        var d = DomainDefinition.Parse(WithNic("<interface type='bridge'><source bridge='ovsbr0'/><virtualport type='openvswitch'/></interface>"));
        DomainDefaults.Apply(d);
        var id = d.Interfaces[0].Element.Element("virtualport")!.Element("parameters")!.Attribute("interfaceid")!.Value;
        Assert.True(Guid.TryParse(id, out _));
        DomainDefaults.Apply(d);
        Assert.Equal(id, d.Interfaces[0].Element.Element("virtualport")!.Element("parameters")!.Attribute("interfaceid")!.Value);
    }
}
