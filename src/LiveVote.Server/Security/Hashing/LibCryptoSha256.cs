using System.Runtime.InteropServices;

namespace LiveVote.Server.Security.Hashing;

/// <summary>
/// SHA-256 through OpenSSL's low-level <c>SHA256_Init</c> / <c>SHA256_Update</c> / <c>SHA256_Final</c>, on a context
/// this code owns (a plain struct on the stack, no native allocation). .NET's own SHA-256 and HMAC on Linux go through
/// OpenSSL's EVP layer: every call clears the thread's error queue (<c>ERR_clear_error</c>), dispatches through a
/// provider, and allocates and frees a context; for the vote path's short inputs (a token signature, a voter key, an audit
/// entry, Merkle nodes: five hashes a vote) that overhead was most of the ~10% of the server's CPU that libcrypto took
/// (perf, bench/README.md "Per-vote work"). The low-level functions run the same SHA-NI/AVX block code without it.
/// They are deprecated in OpenSSL 3 (still exported by every 3.x build, Debian's included); where the library or a
/// function is missing (another OS, a build without deprecated APIs) <see cref="IsAvailable"/> is false and
/// <see cref="Sha256"/> and <see cref="Tokens.KeyedHmac"/> use .NET's implementation.
/// </summary>
internal static unsafe class LibCryptoSha256
{
    /// <summary>
    /// OpenSSL's <c>SHA256_CTX</c>: eight state words, the bit count (two words), a 64-byte block buffer and two counters:
    /// 112 bytes. 128 are reserved so that a larger layout could never write past the struct; it holds no pointers, so a
    /// copy is a valid independent context (HMAC's precomputed pads are copied, not recomputed).
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = ContextSize)]
    internal struct Context
    {
        public const int ContextSize = 128;
        private long _first;
    }

    // SuppressGCTransition: each call hashes at most a few hundred bytes (well under a microsecond), never blocks and
    // never calls back into .NET, which is what the attribute requires; it saves the two GC-mode switches of a P/Invoke.
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<Context*, int> s_init;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<Context*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, Context*, int> s_final;

    static LibCryptoSha256()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libcrypto.so.3", out var library))
        {
            return;
        }

        if (NativeLibrary.TryGetExport(library, "SHA256_Init", out var init) &&
            NativeLibrary.TryGetExport(library, "SHA256_Update", out var update) &&
            NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            s_init = (delegate* unmanaged[Cdecl, SuppressGCTransition]<Context*, int>)init;
            s_update = (delegate* unmanaged[Cdecl, SuppressGCTransition]<Context*, byte*, nuint, int>)update;
            s_final = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, Context*, int>)final;
            IsAvailable = SelfTest();
        }
    }

    /// <summary>True when the three functions were found and hash the empty input and "abc" to their known digests.</summary>
    public static bool IsAvailable { get; }

    public static void Init(ref Context context)
    {
        fixed (Context* c = &context)
        {
            Check(s_init(c));
        }
    }

    public static void Update(ref Context context, ReadOnlySpan<byte> data)
    {
        fixed (Context* c = &context)
        fixed (byte* d = data)
        {
            Check(s_update(c, d, (nuint)data.Length));
        }
    }

    /// <summary>Writes the digest into the first 32 bytes of <paramref name="hash"/>; the context is spent.</summary>
    public static void Final(ref Context context, Span<byte> hash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hash.Length, 32, nameof(hash));
        fixed (Context* c = &context)
        fixed (byte* h = hash)
        {
            Check(s_final(h, c));
        }
    }

    private static void Check(int result)
    {
        // The functions return 1; 0 would mean a broken library, never bad input: fail loudly rather than hash wrong.
        if (result != 1)
        {
            throw new InvalidOperationException("OpenSSL's SHA-256 failed.");
        }
    }

    private static bool SelfTest()
    {
        // FIPS 180-2 test vectors: a library whose functions behave differently is not used.
        Span<byte> hash = stackalloc byte[32];
        var context = default(Context);
        Init(ref context);
        Final(ref context, hash);
        if (!hash.SequenceEqual(Convert.FromHexString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")))
        {
            return false;
        }

        Init(ref context);
        Update(ref context, "abc"u8);
        Final(ref context, hash);
        return hash.SequenceEqual(Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
}
