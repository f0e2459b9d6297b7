using Vireo.TestGuest;

if (args.Length != 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: vireo-testguest OUTPUT.cpio   (prints the kernel path to use with it)");
    return 2;
}
if (GuestImage.Missing() is { } why)
{
    Console.Error.WriteLine($"vireo-testguest: cannot build the guest: {why}");
    return 1;
}
GuestImage.BuildInitramfs(args[0]);
Console.WriteLine(GuestImage.FindKernel());
return 0;
