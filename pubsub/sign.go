package pubsub

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// SignatureVersion is the SNS signature version of every signed envelope:
// "2", SHA256withRSA (PKCS #1 v1.5).
const SignatureVersion = "2"

// keyBits is the size of the key a topic makes when its config has none.
const keyBits = 2048

// signer signs envelopes with the topic's key; its certificate is
// self-signed at topic creation. Immutable, safe for concurrent use.
type signer struct {
	key     *rsa.PrivateKey
	cert    *x509.Certificate
	pem     []byte
	certURL string
}

// newSigner makes the certificate for key (a new key when nil), valid
// from an hour before now for ten years.
func newSigner(key *rsa.PrivateKey, now time.Time, region string) (*signer, error) {
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, keyBits); err != nil {
			return nil, fmt.Errorf("pubsub: making the signing key: %w", err)
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("pubsub: making the certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns." + region + ".amazonaws.com", Organization: []string{"stratus"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pubsub: making the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pubsub: reading the certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return &signer{
		key:     key,
		cert:    cert,
		pem:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		certURL: "https://sns." + region + ".amazonaws.com/SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem",
	}, nil
}

// sign returns the base64 SHA256withRSA signature of the string to sign.
func (s *signer) sign(toSign string) string {
	sum := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		// Only a key too small for a SHA-256 digest fails, and NewTopic
		// refuses those.
		panic("pubsub: signing: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// notificationToSign is the string SNS signs for a Notification: each
// present field as "Name\nvalue\n", in this order.
func notificationToSign(message, id, subject, timestamp, topicARN string) string {
	s := "Message\n" + message + "\nMessageId\n" + id + "\n"
	if subject != "" {
		s += "Subject\n" + subject + "\n"
	}
	return s + "Timestamp\n" + timestamp + "\nTopicArn\n" + topicARN + "\nType\nNotification\n"
}

// confirmationToSign is the string SNS signs for a
// SubscriptionConfirmation (and UnsubscribeConfirmation).
func confirmationToSign(typ, message, id, subscribeURL, timestamp, token, topicARN string) string {
	return "Message\n" + message + "\nMessageId\n" + id + "\nSubscribeURL\n" + subscribeURL +
		"\nTimestamp\n" + timestamp + "\nToken\n" + token + "\nTopicArn\n" + topicARN + "\nType\n" + typ + "\n"
}
