using Vireo.Core.Domain;
using Vireo.Core.Errors;
using Vireo.Core.Network;
using Vireo.Core.Storage;

namespace Vireo.Core.Tests.Storage;

/// <summary>libvirt's scaled integers: every unit virScaleInteger takes, in any case, and overflow refused rather than wrapped.</summary>
public class ScaledSizeTests
{
    [Theory]
    [InlineData("1", "EiB", 1L << 60)]
    [InlineData("1", "E", 1L << 60)]
    [InlineData("1", "e", 1L << 60)]
    [InlineData("1", "EB", 1_000_000_000_000_000_000)]
    [InlineData("7", "EiB", 7L << 60)]
    [InlineData("2", "PiB", 2L << 50)]
    [InlineData("3", "pb", 3_000_000_000_000_000)]
    [InlineData("5", "kib", 5 * 1024)]
    [InlineData("5", "KB", 5000)]
    [InlineData("5", "Bytes", 5)]
    [InlineData("5", "byte", 5)]
    [InlineData("9223372036854775807", "b", long.MaxValue)]
    public void Units_as_libvirt_reads_them(string value, string unit, long bytes) => Assert.Equal(bytes, ScaledSize.ToBytes(value, unit, "<capacity>"));

    [Theory]
    [InlineData("8", "EiB")]
    [InlineData("16", "EiB")]
    [InlineData("18446744073709551615", "KiB")]
    [InlineData("9223372036854775808", "b")]
    [InlineData("10", "EB")]
    public void Sizes_past_2_pow_63_bytes_are_refused_not_wrapped(string value, string unit)
    {
        var e = Assert.Throws<VireoException>(() => ScaledSize.ToBytes(value, unit, "<capacity> (line 3)"));
        Assert.Equal($"value too large: {value}{unit} for <capacity> (line 3) (at most 9223372036854775807 bytes)", e.Message);
    }

    [Theory]
    [InlineData("1", "ZiB")]
    [InlineData("1", "KiBB")]
    [InlineData("1", "Ki")]
    [InlineData("-1", "KiB")]
    [InlineData("1.5", "GiB")]
    [InlineData("0x10", "GiB")]
    public void Unknown_units_and_non_integers_are_refused(string value, string unit) =>
        Assert.Throws<VireoException>(() => ScaledSize.ToBytes(value, unit, "<capacity>"));

    [Fact]
    public void Memory_takes_exbibytes_and_refuses_overflow_naming_the_element()
    {
        Assert.Equal(1L << 50, DomainDefinition.Parse("<domain type='qemu'><name>m</name><memory unit='EiB'>1</memory><os><type>hvm</type></os></domain>").MemoryKiB);
        Assert.Equal(2L << 40, MemorySize.ToKiB("2", "PiB", "<memory>"));
        var e = Assert.Throws<VireoException>(() => DomainDefinition.Parse("<domain type='qemu'><name>m</name>\n<memory unit='EiB'>8</memory><os><type>hvm</type></os></domain>"));
        Assert.Contains("<memory> (line 2): ", e.Message);
        Assert.Contains("value too large: 8EiB", e.Message);
    }

    [Fact]
    public void Volumes_take_exbibytes()
    {
        Assert.Equal(1L << 60, StorageVolumeDefinition.Parse("<volume><name>v</name><capacity unit='EiB'>1</capacity></volume>").Capacity);
        var e = Assert.Throws<VireoException>(() => StorageVolumeDefinition.Parse("<volume><name>v</name>\n<capacity unit='E'>9</capacity></volume>"));
        Assert.Contains("<capacity> (line 2)", e.Message);
    }

    [Theory]
    [InlineData("9999999999")]
    [InlineData("65536")]
    [InlineData("67")]
    [InlineData("-1")]
    [InlineData("1500 ")]
    [InlineData("jumbo")]
    public void A_network_mtu_must_fit_the_kernel(string size)
    {
        var e = Assert.Throws<VireoException>(() => NetworkDefinition.Parse($"<network><name>n</name>\n<mtu size='{size}'/></network>"));
        Assert.Contains($"<mtu> (line 2): invalid mtu size '{size}' (expected 68-65535)", e.Message);
    }

    [Fact]
    public void A_network_mtu_in_range_is_kept()
    {
        Assert.Equal(65535, NetworkDefinition.Parse("<network><name>n</name><mtu size='65535'/></network>").Mtu);
        Assert.Equal(9000, NetworkDefinition.Parse("<network><name>n</name><mtu size='9000'/></network>").Mtu);
    }
}
