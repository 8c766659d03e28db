package tpm

// manufacturers are the TPM vendor IDs of the TCG "TPM Vendor ID Registry"
// (Family 1.2 and 2.0, Version 1.07 Revision 0.02,
// https://trustedcomputinggroup.org/resource/vendor-id-registry/), as the
// 32-bit value of TPM_PT_MANUFACTURER: four ASCII bytes, NUL- or
// space-padded. 0xFFFFF1D0 is not in the registry: it is the ID the FIDO
// Alliance conformance tools use for their test TPM, listed by WebAuthn
// implementations so that conformance attestations verify.
var manufacturers = [...]uint32{
	0x414D4400, // AMD
	0x414E5400, // Ant Group
	0x41544D4C, // Atmel
	0x4252434D, // Broadcom
	0x4353434F, // Cisco
	0x464C5953, // Flyslice Technologies
	0x524F4343, // Fuzhou Rockchip
	0x474F4F47, // Google
	0x48504900, // HPI
	0x48504500, // HPE
	0x48495349, // Huawei
	0x49424D00, // IBM
	0x49465800, // Infineon
	0x494E5443, // Intel
	0x4C454E00, // Lenovo
	0x4D534654, // Microsoft
	0x4E534D20, // National Semiconductor
	0x4E545A00, // Nationz
	0x4E544300, // Nuvoton Technology
	0x51434F4D, // Qualcomm
	0x534D534E, // Samsung
	0x534E5300, // Sinosun
	0x534D5343, // SMSC
	0x53544D20, // ST Microelectronics
	0x54584E00, // Texas Instruments
	0x57454300, // Winbond
	0xFFFFF1D0, // FIDO Alliance conformance test TPM (not in the TCG registry)
}

// KnownManufacturer reports whether id, a tcpaTpmManufacturer value of the
// form "id:" followed by eight hexadecimal digits (TCG EK Credential Profile
// §3.2.9, e.g. "id:414D4400"), names a vendor of the TCG TPM Vendor ID
// Registry (WebAuthn §8.3.1 requires the manufacturer to be one). It returns
// false for any other form; hex digits may be either case.
func KnownManufacturer(id string) bool {
	v, ok := ManufacturerID(id)
	if !ok {
		return false
	}
	for _, m := range manufacturers {
		if m == v {
			return true
		}
	}
	return false
}

// ManufacturerID parses a tcpaTpmManufacturer value of the form "id:" followed
// by eight hexadecimal digits (TCG EK Credential Profile §3.2.9) into the
// vendor ID; ok is false for any other form.
func ManufacturerID(id string) (v uint32, ok bool) {
	if len(id) != 11 || id[:3] != "id:" {
		return 0, false
	}
	for i := 3; i < len(id); i++ {
		c := id[i]
		var n byte
		switch {
		case '0' <= c && c <= '9':
			n = c - '0'
		case 'a' <= c && c <= 'f':
			n = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			n = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(n)
	}
	return v, true
}
