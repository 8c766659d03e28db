package cognito

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP Password Storage Cheat Sheet's first
// recommended configuration (19 MiB, 2 passes, 1 lane).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// maxPasswordLength is the service model's PasswordType maximum (256).
const maxPasswordLength = 256

// hashPassword returns the PHC string of password's argon2id hash.
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return "$argon2id$v=19$m=" + strconv.Itoa(argonMemoryKiB) + ",t=" + strconv.Itoa(argonTime) + ",p=" + strconv.Itoa(argonThreads) +
		"$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key), nil
}

var errBadHash = errors.New("stored password hash is not an argon2id PHC string")

// checkPassword reports whether password matches the PHC string hash, with
// the parameters the hash names. An empty hash (a user without a password)
// matches nothing.
func checkPassword(hash, password string) (bool, error) {
	if hash == "" {
		return false, nil
	}
	f := strings.Split(hash, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v=19" {
		return false, errBadHash
	}
	var m, t, p int
	for _, kv := range strings.Split(f[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return false, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return false, errBadHash
		}
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	key, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || m == 0 || t == 0 || p == 0 || p > 255 || len(key) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// passwordPolicyError returns the InvalidPasswordException message for a
// password the pool's policy refuses (too short, too long, whitespace,
// which the service model's pattern [\S]+ excludes), or "".
func passwordPolicyError(p *pool, password string) string {
	switch {
	case len(password) > maxPasswordLength:
		return "Password did not conform with policy: Password must have length less than or equal to 256"
	case len([]rune(password)) < p.passwordMinLength():
		return "Password did not conform with policy: Password not long enough"
	case strings.ContainsAny(password, " \t\r\n\v\f"):
		return "Password did not conform with policy: Password must not contain whitespace"
	}
	return ""
}
