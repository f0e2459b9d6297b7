using Vireo.Images.Raw;
using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Domains;

/// <summary>Disks that follow the VM: pool volumes at boot, hot-plug and unplug on a running TCG guest.</summary>
public class DiskHotplugTests : VmTestBase
{
    private string Images => Path.Combine(D.Root, "var/lib/vireo/images");

    [SkippableFact]
    public async Task A_hotplugged_volume_appears_in_the_guest_and_keeps_what_it_wrote_after_detach()
    {
        (await D.Vireo("vol-create-as", "default", "boot.raw", "8M")).Ok();
        (await D.Vireo("vol-create-as", "default", "data.raw", "16M")).Ok();
        // A disk given as pool + volume is resolved to the volume's file when the guest starts.
        await DefineGuestAsync("hp", "<disk type='volume' device='disk'><source pool='default' volume='boot.raw'/><target dev='vda' bus='virtio'/></disk>");
        await BootAsync("hp");
        var data = Path.Combine(Images, "data.raw");
        // The notes' example, as written.
        Assert.Equal("Disk attached successfully\n\n", (await D.Vireo("attach-disk", "hp", data, "vdb", "--live", "--config")).Ok().Stdout);
        var list = (await D.Vireo("domblklist", "hp", "--details")).Ok().Stdout;
        Assert.Contains(" file     disk     vdb      " + data, list);
        Assert.Contains(" volume   disk     vda      default/boot.raw", list);
        Assert.Contains("vdb", (await D.Vireo("domblklist", "hp", "--inactive")).Ok().Stdout);
        var r = await D.VireoWithInput(
            "for i in $(seq 100); do [ -b /dev/vdb ] && break; sleep 0.1; done; echo SIZE-$(cat /sys/block/vdb/size)-END; " +
            "echo hotplug-marker | dd of=/dev/vdb bs=512 seek=2048 conv=fsync 2>/dev/null; echo WROTE-$((40+2))\n",
            "console", "hp", "--until", "WROTE-42", "--timeout", "90");
        r.Ok();
        Assert.True(r.Stdout.Contains("SIZE-32768-END"), r.Stdout); // 16 MiB in 512-byte sectors
        // In use: the volume cannot be deleted under the running guest.
        (await D.Vireo("vol-delete", "data.raw", "--pool", "default")).Fails("in use by running domain 'hp'");
        var info = (await D.Vireo("domblkinfo", "hp", "vdb")).Ok().Stdout;
        Assert.Contains("Capacity:       16777216", info);
        Assert.Contains("vdb wr_req", (await D.Vireo("domblkstat", "hp", "vdb")).Ok().Stdout);
        Assert.Equal("Disk detached successfully\n\n", (await D.Vireo("detach-disk", "hp", "vdb", "--live")).Ok().Stdout);
        Assert.DoesNotContain("vdb", (await D.Vireo("domblklist", "hp")).Ok().Stdout);
        // What the guest wrote is in the image, read on the host through Vireo.Images.
        using (var img = RawImage.Open(data))
        {
            var buf = new byte[14];
            await img.ReadAsync(2048 * 512, buf);
            Assert.Equal("hotplug-marker", System.Text.Encoding.ASCII.GetString(buf));
        }
        // The guest saw it go.
        var gone = await D.VireoWithInput("for i in $(seq 100); do [ -b /dev/vdb ] || break; sleep 0.1; done; ls /sys/block | tr '\\n' ' '; echo LS-$((1+1))\n",
            "console", "hp", "--until", "LS-2", "--timeout", "60");
        Assert.DoesNotContain("vdb", gone.Ok().Stdout.Split("LS-2")[0].Split('\n').Last());
        (await D.Vireo("vol-delete", "data.raw", "--pool", "default")).Ok();
        (await D.Vireo("destroy", "hp")).Ok();
    }

    [SkippableFact]
    public async Task Bad_attachments_are_refused_and_change_nothing()
    {
        await DefineGuestAsync("bad");
        var before = (await D.Vireo("dumpxml", "bad")).Ok().Stdout;
        (await D.Vireo("attach-disk", "bad", "/nonexistent.img", "vdb", "--live")).Fails("is not running");
        (await D.Vireo("attach-disk", "bad", "/x.img", "vdb", "--mode", "weird", "--config")).Fails("No support for weird");
        (await D.Vireo("detach-disk", "bad", "vdz", "--config")).Fails("No disk found whose source path or target is vdz");
        (await D.Vireo("attach-disk", "bad", "/x.img", "vdb", "--config")).Ok();
        (await D.Vireo("attach-disk", "bad", "/y.img", "vdb", "--config")).Fails("vdb");
        Assert.Contains("/x.img", (await D.Vireo("domblklist", "bad", "--inactive")).Ok().Stdout);
        (await D.Vireo("detach-disk", "bad", "vdb", "--config")).Ok();
        Assert.Equal(before, (await D.Vireo("dumpxml", "bad")).Ok().Stdout);
        // attach-device / detach-device take the disk XML from a file.
        var dev = Path.Combine(D.Root, "disk.xml");
        await File.WriteAllTextAsync(dev, "<disk type='file' device='disk'><source file='/z.img'/><target dev='sdb' bus='sata'/><serial>S1</serial></disk>");
        Assert.Equal("Device attached successfully\n\n", (await D.Vireo("attach-device", "bad", dev, "--persistent")).Ok().Stdout);
        Assert.Contains("<serial>S1</serial>", (await D.Vireo("dumpxml", "bad", "--inactive")).Ok().Stdout);
        Assert.Equal("Device detached successfully\n\n", (await D.Vireo("detach-device", "bad", dev, "--config")).Ok().Stdout);
        Assert.Equal(before, (await D.Vireo("dumpxml", "bad")).Ok().Stdout);
        await File.WriteAllTextAsync(dev, "<sound model='ich6'/>");
        (await D.Vireo("attach-device", "bad", dev, "--config")).Fails("only <disk> and <interface> are supported");
        (await D.Vireo("start", "bad")).Ok();
        (await D.Vireo("attach-disk", "bad", "/nonexistent.img", "vdb", "--live")).Fails("attaching disk 'vdb'");
        Assert.DoesNotContain("vdb", (await D.Vireo("domblklist", "bad")).Ok().Stdout);
        (await D.Vireo("destroy", "bad")).Ok();
        await File.WriteAllTextAsync(Path.Combine(D.Root, "vol.xml"),
            Guest.Xml("novol", "<disk type='volume' device='disk'><source pool='default' volume='missing.raw'/><target dev='vda' bus='virtio'/></disk>"));
        (await D.Vireo("define", Path.Combine(D.Root, "vol.xml"))).Ok();
        (await D.Vireo("start", "novol")).Fails("missing.raw");
    }

    [SkippableFact]
    public async Task An_iso_library_pool_feeds_a_cdrom_whose_media_changes_while_the_guest_runs()
    {
        // The ISO library: a dir pool of ISOs, one uploaded through the API.
        var lib = Path.Combine(D.Root, "isos");
        (await D.Vireo("pool-define-as", "isos", "dir", "--target", lib)).Ok();
        (await D.Vireo("pool-build", "isos")).Ok();
        (await D.Vireo("pool-start", "isos")).Ok();
        var iso = Path.Combine(D.Root, "tools.iso");
        Vireo.Images.Iso.IsoWriter.Write(iso, "TOOLS", new Dictionary<string, byte[]> { ["readme.txt"] = "iso-library-marker\n"u8.ToArray() });
        (await D.Vireo("vol-create-as", "isos", "tools.iso", "0")).Ok();
        (await D.Vireo("vol-upload", "--pool", "isos", "tools.iso", iso)).Ok();
        var isoPath = (await D.Vireo("vol-path", "--pool", "isos", "tools.iso")).Ok().Stdout.Trim();
        await DefineGuestAsync("cd", "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>");
        await BootAsync("cd");
        Assert.Matches(@" file\s+cdrom\s+hdc\s+-", (await D.Vireo("domblklist", "cd", "--details")).Ok().Stdout);
        Assert.Equal("Successfully inserted media.\n\n", (await D.Vireo("change-media", "cd", "hdc", isoPath, "--insert")).Ok().Stdout);
        Assert.Contains(isoPath, (await D.Vireo("domblklist", "cd")).Ok().Stdout);
        var r = await D.VireoWithInput(
            "mkdir -p /mnt; for i in $(seq 50); do mount -t iso9660 -o ro /dev/sr0 /mnt 2>/dev/null && break; sleep 0.2; done; cat /mnt/readme.txt; umount /mnt; echo CD-$((7*6))\n",
            "console", "cd", "--until", "CD-42", "--timeout", "90");
        Assert.Contains("iso-library-marker", r.Ok().Stdout);
        Assert.Equal("Successfully ejected media.\n\n", (await D.Vireo("change-media", "cd", "hdc", "--eject")).Ok().Stdout);
        Assert.Matches(@" hdc\s+-", (await D.Vireo("domblklist", "cd")).Ok().Stdout);
        var gone = await D.VireoWithInput("mount -t iso9660 -o ro /dev/sr0 /mnt 2>&1 | head -1; echo EJ-$((2+2))\n", "console", "cd", "--until", "EJ-4", "--timeout", "60");
        Assert.DoesNotContain("iso-library-marker", gone.Ok().Stdout);
        (await D.Vireo("destroy", "cd")).Ok();
    }

    [SkippableFact]
    public async Task Blockresize_grows_a_disk_under_a_running_guest()
    {
        (await D.Vireo("vol-create-as", "default", "grow.qcow2", "16M", "--format", "qcow2")).Ok();
        var path = Path.Combine(Images, "grow.qcow2");
        await DefineGuestAsync("grow", $"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}'/><target dev='vda' bus='virtio'/></disk>");
        await BootAsync("grow");
        Assert.Equal("Block device 'vda' is resized\n\n", (await D.Vireo("blockresize", "grow", "vda", "32M")).Ok().Stdout);
        var r = await D.VireoWithInput("for i in $(seq 50); do [ $(cat /sys/block/vda/size) = 65536 ] && break; sleep 0.1; done; echo SZ-$(cat /sys/block/vda/size)-END$((3+4))\n",
            "console", "grow", "--until", "END7", "--timeout", "60");
        Assert.Contains("SZ-65536-END7", r.Ok().Stdout);
        Assert.Contains("Capacity:       33554432", (await D.Vireo("domblkinfo", "grow", "vda")).Ok().Stdout);
        (await D.Vireo("destroy", "grow")).Ok();
    }
}
