// SHA256Tests: the digest against the FIPS 180-4 example vectors.
import MailroomCore
import Testing

@Suite struct SHA256Tests {
    @Test func sha256MatchesKnownVectors() throws {
        var d = SHA256Digest()
        d.update(Array("abc".utf8))
        #expect(d.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var e = SHA256Digest()
        e.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(e.finalize() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
