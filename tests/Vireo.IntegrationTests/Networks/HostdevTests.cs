using Vireo.IntegrationTests.Fixtures;

namespace Vireo.IntegrationTests.Networks;

/// <summary>
/// PCI assignment (hostdev, SR-IOV VFs as NICs) on this host, which has no IOMMU: every way in gets the
/// reason before QEMU starts, and nothing is changed. The VFIO steps themselves are tested on a fake sysfs.
/// </summary>
[Collection("vm")]
public class HostdevTests
{
    private static string Hostdev(string bus) =>
        $"<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x{bus}' slot='0x00' function='0x0'/></source></hostdev>";

    [SkippableFact]
    public async Task Pci_assignment_is_refused_with_the_reason_and_leaves_the_device_alone()
    {
        using var ns = new Netns();
        await using var d = await GuestNet.StartDaemonAsync(ns);
        var real = Directory.GetDirectories("/sys/bus/pci/devices").Select(Path.GetFileName).Order().FirstOrDefault();
        HostLimit.NoPciDevices.SkipIf(real is null, "this host has no PCI devices");
        HostLimit.IommuPresent.SkipIf(Directory.Exists("/sys/kernel/iommu_groups") && Directory.EnumerateFileSystemEntries("/sys/kernel/iommu_groups").Any(),
            "this host has an IOMMU: the refusal checked here does not happen");
        var driver = Path.GetFileName(new FileInfo($"/sys/bus/pci/devices/{real}/driver").LinkTarget);
        var p = real!.Split(':', '.');
        var xml = Path.Combine(d.Root, "pt.xml");
        await File.WriteAllTextAsync(xml, Guest.Xml("pt", $"<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x{p[0]}' bus='0x{p[1]}' slot='0x{p[2]}' function='0x{p[3]}'/></source></hostdev>"));
        (await d.Vireo("define", xml)).Ok();
        (await d.Vireo("start", "pt")).Fails($"cannot assign host PCI device {real}: the host has no IOMMU groups (enable the IOMMU");
        Assert.Equal(driver, Path.GetFileName(new FileInfo($"/sys/bus/pci/devices/{real}/driver").LinkTarget));
        Assert.Matches(@"pt\s+shut off", (await d.Vireo("list", "--all")).Ok().Stdout);

        await File.WriteAllTextAsync(xml, Guest.Xml("gone", Hostdev("ee")));
        (await d.Vireo("define", xml)).Ok();
        (await d.Vireo("start", "gone")).Fails("host PCI device 0000:ee:00.0 does not exist");

        // A hostdev network hands out its VFs as <interface type='hostdev'>; the chosen VF gets the same checks.
        var net = Path.Combine(d.Root, "vfs.xml");
        await File.WriteAllTextAsync(net, "<network><name>vfs</name><forward mode='hostdev' managed='yes'>" +
            "<address type='pci' domain='0x0000' bus='0xee' slot='0x10' function='0x1'/></forward></network>");
        (await d.Vireo("net-define", net)).Ok();
        (await d.Vireo("net-start", "vfs")).Ok();
        await File.WriteAllTextAsync(xml, Guest.Xml("vfnic", "<interface type='network'><mac address='52:54:00:80:00:01'/><source network='vfs'/></interface>"));
        (await d.Vireo("define", xml)).Ok();
        (await d.Vireo("start", "vfnic")).Fails("host PCI device 0000:ee:10.1 does not exist");
        Assert.Contains("<interface type='network'>", (await d.Vireo("dumpxml", "vfnic")).Ok().Stdout);
    }
}
