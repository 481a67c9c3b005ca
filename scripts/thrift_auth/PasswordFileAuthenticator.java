package tpmap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * HiveServer2 CUSTOM authentication for the Thrift server: user names and PBKDF2-SHA256 password hashes
 * from a file (one user a line: name:pbkdf2_sha256$iterations$salt-base64$hash-base64), written by
 * scripts/thrift_users.py. The file's path is in the TPMAP_THRIFT_USERS environment variable; it is read
 * at every login, so a user added or removed counts at once.
 */
public class PasswordFileAuthenticator implements PasswdAuthenticationProvider {
    private static final String REFUSED = "invalid user name or password";

    @Override
    public void Authenticate(String user, String password) throws AuthenticationException {
        String file = System.getenv("TPMAP_THRIFT_USERS");
        if (file == null || user == null || password == null) {
            throw new AuthenticationException(REFUSED);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AuthenticationException("cannot read the user file", e);
        }
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equals(user) && matches(password, line.substring(colon + 1).trim())) {
                return;
            }
        }
        throw new AuthenticationException(REFUSED);
    }

    private static boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals("pbkdf2_sha256")) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, expected.length * 8);
            byte[] actual = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(expected, actual);
        } catch (Exception e) {
            return false;
        }
    }
}
