using Vireo.Core.Domain;
using Vireo.Qemu.Hotplug;
using Vireo.Qemu.Qmp;

namespace Vireo.Qemu.Tests.Hotplug;

/// <summary>A cdrom's medium changed under a running guest: tray, old nodes, new nodes, insert; and what a refusal undoes.</summary>
public class MediumChangeTests
{
    private static DiskDef Cdrom(string? iso) => DomainDefinition.Parse($"""
        <domain type='qemu'>
          <name>cd</name>
          <memory unit='MiB'>64</memory>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <devices>
            <disk type='file' device='cdrom'>
              <driver name='qemu' type='raw'/>{(iso is null ? "" : $"<source file='{iso}'/>")}
              <target dev='hdc' bus='ide'/><readonly/>
            </disk>
          </devices>
        </domain>
        """).Disks[0];

    private static readonly string[] Change =
    [
        """blockdev-open-tray {"id":"ide0-1-0-0","force":true}""",
        """blockdev-remove-medium {"id":"ide0-1-0-0"}""",
        """blockdev-del {"node-name":"vireo-hdc-format"}""",
        """blockdev-del {"node-name":"vireo-hdc-storage"}""",
        """blockdev-add {"driver":"file","filename":"/isos/b.iso","node-name":"vireo-hdc-storage","auto-read-only":true}""",
        """blockdev-add {"node-name":"vireo-hdc-format","read-only":true,"driver":"raw","file":"vireo-hdc-storage"}""",
        """blockdev-insert-medium {"id":"ide0-1-0-0","node-name":"vireo-hdc-format"}""",
        """blockdev-close-tray {"id":"ide0-1-0-0"}""",
    ];

    public static TheoryData<int[], string[]> Refusals() => new()
    {
        { [], Change },
        { [0], Change[..1] },
        { [1], Change[..2] },
        // A drive that had no medium has no nodes: refusing to delete them is not a failure.
        { [2, 3], Change },
        { [4], Change[..5] },
        { [5], [.. Change[..6], """blockdev-del {"node-name":"vireo-hdc-storage"}"""] },
        { [6], [.. Change[..7], """blockdev-del {"node-name":"vireo-hdc-format"}""", """blockdev-del {"node-name":"vireo-hdc-storage"}"""] },
        // Inserted: a tray that will not close leaves the new medium in.
        { [7], Change },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task The_medium_changes_in_order_and_a_refusal_undoes_only_the_new_nodes(int[] refuse, string[] sent)
    {
        await using var qemu = new ScriptedQmp { Refuse = refuse };
        await using var qmp = await qemu.ConnectAsync();
        var error = await Record.ExceptionAsync(() => DiskHotplug.ChangeMediumAsync(qmp, Cdrom("/isos/a.iso"), Cdrom("/isos/b.iso"), _ => { }));
        if (refuse is [] or [2, 3]) Assert.Null(error);
        else Assert.IsType<QmpErrorException>(error);
        Assert.Equal(sent, qemu.Commands);
    }

    [Fact]
    public async Task An_eject_empties_the_drive_and_leaves_the_tray_open()
    {
        await using var qemu = new ScriptedQmp();
        await using var qmp = await qemu.ConnectAsync();
        await DiskHotplug.ChangeMediumAsync(qmp, Cdrom("/isos/a.iso"), Cdrom(null), _ => { });
        Assert.Equal(Change[..4], qemu.Commands);
    }
}
