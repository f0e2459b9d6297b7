using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Paths;

namespace Vireo.Core.Tests.Paths;

public class GuestPathTests
{
    [Theory]
    [InlineData("/var/lib/libvirt/images/a.qcow2")]
    [InlineData("/vms/dbvm_disk2.img")]
    [InlineData("/srv/share/")]
    [InlineData("/")]
    public void Absolute_canonical_paths_pass(string path) => Assert.Null(GuestPath.Problem(path));

    [Theory]
    [InlineData("../../etc/shadow", "must be absolute")]
    [InlineData("disk.img", "must be absolute")]
    [InlineData("/var/lib/../../etc/shadow", "'..' component")]
    [InlineData("/var/lib/./x", "'.' component")]
    [InlineData("/var//lib/x", "'//'")]
    [InlineData("//etc/shadow", "'//'")]
    [InlineData("/tmp/a\nb", "control character")]
    [InlineData("", "is empty")]
    public void Relative_and_non_canonical_paths_are_refused(string path, string expected) =>
        Assert.Contains(expected, GuestPath.Problem(path));

    [Fact]
    public void A_path_longer_than_path_max_is_refused() =>
        Assert.Contains("longer than 4095 bytes", GuestPath.Problem("/" + new string('a', 4096)));

    [Theory]
    [InlineData("/srv/vms/a.img", "/srv/vms", true)]
    [InlineData("/srv/vms", "/srv/vms/", true)]
    [InlineData("/srv/vmsx/a.img", "/srv/vms", false)]
    [InlineData("/anything", "/", true)]
    public void IsUnder_matches_whole_components(string path, string dir, bool expected) => Assert.Equal(expected, GuestPath.IsUnder(path, dir));
}

/// <summary>Every host path of a definition is validated at parse time, with element and line.</summary>
public class DomainHostPathValidationTests
{
    private static string Dom(string os = "", string devices = "") => $"""
        <domain type='qemu'>
          <name>paths</name>
          <memory>65536</memory>
          <os><type>hvm</type>{os}</os>
          <devices>
        {devices}
          </devices>
        </domain>
        """;

    private static VireoException Refused(string xml) => Assert.Throws<VireoException>(() => DomainDefinition.Parse(xml));

    [Fact]
    public void The_attack_a_relative_disk_source_is_refused_naming_element_and_line()
    {
        var e = Refused(Dom(devices: "    <disk type='file' device='disk'>\n      <source file='../../etc/shadow'/>\n      <target dev='vda'/>\n    </disk>"));
        Assert.Equal(ErrorCode.XmlValidation, e.Code);
        Assert.Contains("<source> (line 7): disk 'vda' source path '../../etc/shadow' must be absolute", e.Message);
    }

    [Theory]
    [InlineData("<kernel>vmlinuz</kernel>", "kernel path 'vmlinuz' must be absolute")]
    [InlineData("<initrd>/boot/../etc/shadow</initrd>", "initrd path '/boot/../etc/shadow' must be canonical")]
    [InlineData("<loader readonly='yes' type='pflash'>OVMF.fd</loader>", "loader path 'OVMF.fd'")]
    [InlineData("<nvram template='vars.fd'>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram>", "nvram template path 'vars.fd'")]
    [InlineData("<dtb>//boot/x.dtb</dtb>", "dtb path '//boot/x.dtb'")]
    public void Os_paths_are_checked(string os, string expected) => Assert.Contains(expected, Refused(Dom(os: os)).Message);

    [Theory]
    [InlineData("<disk type='block'><source dev='sda'/><target dev='vdb'/></disk>", "disk 'vdb' source path 'sda'")]
    [InlineData("<disk type='dir'><source dir='share'/><target dev='hda'/></disk>", "disk 'hda' source path 'share'")]
    [InlineData("<disk type='file'><source file='/a.qcow2'/><backingStore type='file'><format type='raw'/><source file='base.img'/></backingStore><target dev='vdc'/></disk>",
        "disk 'vdc' backing store path 'base.img'")]
    [InlineData("<serial type='file'><source path='serial.log'/><target port='0'/></serial>", "serial file path 'serial.log'")]
    [InlineData("<serial type='pty'><log file='log/x'/><target port='0'/></serial>", "serial log path 'log/x'")]
    [InlineData("<channel type='unix'><source mode='bind' path='x.sock'/><target type='virtio' name='a'/></channel>", "channel socket path 'x.sock'")]
    [InlineData("<serial type='dev'><source path='ttyS0'/><target port='0'/></serial>", "serial device path 'ttyS0'")]
    [InlineData("<filesystem type='mount'><source dir='srv'/><target dir='tag'/></filesystem>", "filesystem source path 'srv'")]
    [InlineData("<rng model='virtio'><backend model='random'>urandom</backend></rng>", "rng backend path 'urandom'")]
    public void Device_paths_are_checked(string device, string expected) => Assert.Contains(expected, Refused(Dom(devices: device)).Message);

    [Fact]
    public void An_empty_cdrom_and_network_disks_have_no_host_path()
    {
        DomainDefinition.Parse(Dom(devices: """
            <disk type='file' device='cdrom'><target dev='hdc'/></disk>
            <disk type='network'><source protocol='nbd' name='x'><host name='h'/></source><target dev='vdb'/></disk>
            <disk type='volume'><source pool='default' volume='a.img'/><target dev='vdc'/></disk>
            """));
    }

    [Fact]
    public void The_enumeration_names_kind_and_access_of_each_use()
    {
        var d = DomainDefinition.Parse(Dom(os: "<kernel>/boot/vmlinuz</kernel><loader type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>", devices: """
            <disk type='file' device='cdrom'><source file='/iso/x.iso'/><target dev='hdc'/></disk>
            <disk type='block'><driver type='qcow2'/><source dev='/dev/vg/lv'/><target dev='vda'/></disk>
            <serial type='unix'><source mode='bind' path='/run/x.sock'/><target port='0'/></serial>
            """));
        var uses = GuestHostPaths.Of(d).ToDictionary(u => u.Path);
        Assert.True(uses["/boot/vmlinuz"].ReadOnly);
        Assert.False(uses["/usr/share/OVMF/OVMF_CODE.fd"].ReadOnly); // a pflash loader without readonly='yes' is written
        Assert.True(uses["/iso/x.iso"].ReadOnly);
        Assert.Equal((HostFileKind.BlockDevice, "qcow2", false), (uses["/dev/vg/lv"].Kind, uses["/dev/vg/lv"].ImageFormat, uses["/dev/vg/lv"].ReadOnly));
        Assert.Equal((HostFileKind.Socket, true), (uses["/run/x.sock"].Kind, uses["/run/x.sock"].MayBeCreated));
    }
}
