using Vireo.Core.Domain;
using Vireo.Core.Errors;

namespace Vireo.Core.Tests.Domain;

/// <summary>Domain values that become QEMU option values, ids, host interface names or file names are refused at define time outside their grammar.</summary>
public class DomainTokenTests
{
    private static string Domain(string os, string devices, string type = "qemu") =>
        $"<domain type='{type}'><name>t</name><memory>65536</memory>\n{os}\n<devices>{devices}</devices></domain>";

    private const string Os = "<os><type arch='x86_64' machine='pc'>hvm</type></os>";

    [Theory]
    [InlineData("<os><type arch='x86_64' machine='pc,accel=kvm'>hvm</type></os>", "", "<type> (line 2): invalid machine type 'pc,accel=kvm'")]
    [InlineData("<os><type arch='../../bin/sh'>hvm</type></os>", "", "<type> (line 2): unknown architecture '../../bin/sh'")]
    [InlineData(Os + "<cpu><model>qemu64,+vmx</model></cpu>", "", "<model> (line 2): invalid CPU model 'qemu64,+vmx'")]
    [InlineData(Os + "<cpu><model>qemu64</model><feature policy='require' name='x,y=z'/></cpu>", "", "<feature> (line 2): invalid CPU feature name 'x,y=z'")]
    [InlineData(Os + "<cpu><model>qemu64</model><feature policy='maybe' name='vmx'/></cpu>", "", "<feature> (line 2): unknown CPU feature policy 'maybe'")]
    [InlineData(Os, "<disk type='file' device='disk'><source file='/x'/><target dev='vda,x=y'/></disk>", "<target> (line 3): invalid disk target 'vda,x=y'")]
    [InlineData(Os, "<disk type='file' device='disk'><source file='/x'/><target dev='vda'/><alias name='ua-a,b'/></disk>", "<alias> (line 3): alias 'ua-a,b' is not a valid device id")]
    [InlineData(Os, "<interface type='ethernet'><target dev='tap0,script=/x'/></interface>", "<target> (line 3): target device 'tap0,script=/x' is not a valid interface name")]
    [InlineData(Os, "<interface type='bridge'><source bridge='br0 up'/></interface>", "<source> (line 3): bridge 'br0 up' is not a valid interface name")]
    [InlineData(Os, "<interface type='direct'><source dev='../../etc' mode='bridge'/></interface>", "<source> (line 3): source device '../../etc' is not a valid interface name")]
    [InlineData(Os, "<interface type='network'><source network='..'/></interface>", "<source> (line 3): network name '..' must not be '.' or '..'")]
    [InlineData(Os, "<interface type='bridge'><source bridge='br0'/><virtualport type='openvswitch'><parameters interfaceid='x\" y'/></virtualport></interface>", "<parameters> (line 3): interfaceid 'x\" y' is not a UUID")]
    [InlineData(Os, "<interface type='network'><source network='default'/><bandwidth><inbound average='1000;x'/></bandwidth></interface>", "<inbound> (line 3): could not convert bandwidth average value '1000;x'")]
    [InlineData(Os, "<graphics type='vnc' listen='0.0.0.0,password=off'/>", "<graphics> (line 3): listen address '0.0.0.0,password=off'")]
    [InlineData(Os, "<graphics type='vnc' websocket='5700,x'/>", "<graphics> (line 3): invalid websocket port '5700,x'")]
    [InlineData(Os, "<serial type='tcp'><source mode='bind' host='127.0.0.1,x=y' service='4555'/></serial>", "<source> (line 3): host '127.0.0.1,x=y'")]
    [InlineData(Os, "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555,server=off'/></serial>", "<source> (line 3): service '4555,server=off' is not a port number")]
    [InlineData(Os, "<channel type='unix'><source mode='bind'/><target type='virtio' name='../../../etc/x'/></channel>", "<target> (line 3): channel name '../../../etc/x' must not contain '/'")]
    [InlineData(Os, "<channel type='unix'><source mode='bind'/><target type='guestfwd' address='10.0.2.1,x' port='4600'/></channel>", "<target> (line 3): guestfwd address '10.0.2.1,x' is not an IP address")]
    [InlineData(Os, "<disk type='file' device='disk'><source file='/x'/><target dev='sda' bus='sata'/><address type='drive' controller='0,x=y' bus='0' target='0' unit='0'/></disk>", "<address> (line 3): invalid drive address controller '0,x=y'")]
    [InlineData(Os, "<watchdog model='i6300esb' action='reset,x=y'/>", "<watchdog> (line 3): unknown watchdog action 'reset,x=y'")]
    [InlineData("<os><type arch='x86_64' machine='q35'>hvm</type></os>", "<controller type='pci' index='1' model='pcie-root-port'><target chassis='1,x=y' port='0x10'/></controller>", "<target> (line 3): invalid chassis '1,x=y' (0-255)")]
    public void Values_that_would_break_the_command_line_are_refused_naming_element_and_line(string os, string devices, string message)
    {
        var e = Assert.Throws<VireoException>(() => DomainDefinition.Parse(Domain(os, devices)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Ordinary_values_and_free_text_that_the_command_line_escapes_pass()
    {
        var d = DomainDefinition.Parse(Domain("<os><type arch='x86_64' machine='pc-q35-8.2'>hvm</type></os><cpu mode='custom'><model>Skylake-Client-IBRS</model><feature policy='disable' name='sse4.2'/></cpu>", """
            <disk type='file' device='disk'><source file='/var/lib/a, b#c.qcow2'/><target dev='vda'/><serial>S,1 2</serial><alias name='ua-disk_1.x'/></disk>
            <interface type='ethernet'><target dev='tap-x.1'/><script path='/etc/a,b'/></interface>
            <graphics type='vnc' listen='::1' websocket='-1'/>
            <serial type='tcp'><source mode='connect' host='console.example.com' service='4555'/></serial>
            <channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
            <watchdog model='i6300esb' action='inject-nmi'/>
            """));
        Assert.Equal("S,1 2", d.Disks[0].Serial);
    }

    [Fact]
    public void Every_virt_type_libvirt_knows_is_accepted_at_define()
    {
        foreach (var type in new[] { "kvm", "qemu", "xen", "lxc", "hvf", "test" })
            Assert.Equal(type, DomainDefinition.Parse(Domain(Os, "", type)).Type);
        Assert.Contains("unknown domain type 'warp'", Assert.Throws<VireoException>(() => DomainDefinition.Parse(Domain(Os, "", "warp"))).Message);
    }
}
