/* The wire protocol between a VM's virtual NIC (vmrun) and vswitchd.
 *
 * Transport: a unix stream socket.  Every message is a 4-byte big-endian
 * length word followed by that many bytes, the framing QEMU's
 * `-netdev stream` uses, so a plain QEMU client speaks the frame part
 * unchanged (QEMU sockets get no hello: their MAC is pinned in the config).
 *
 * VM ports add control messages: a length word with VSW_PROTO_CTRL set
 * carries a text control message of (len & VSW_PROTO_LEN_MASK) bytes instead
 * of a frame.  QEMU never sets that bit (its frames are < 64 KiB).
 *
 * Session on a VM port:
 *   1. VM -> switch: control message, the hello:
 *        "HOSTVM-HELLO 1\n"
 *        "vm=<display name>\n" "uuid=<uuid.bios>\n" "nic=<N>\n"
 *        "mac=<xx:xx:xx:xx:xx:xx>\n" "portgroup=<name>\n"
 *      (keys in any order after the first line; unknown keys ignored;
 *       at most VSW_PROTO_HELLO_MAX bytes).
 *   2. switch -> VM: control message "OK <port-number>\n", or
 *      "ERR <reason>\n" followed by close.
 *   3. Frames both ways (plain length words, 14..VSW_PROTO_FRAME_MAX bytes).
 *   4. VM -> switch at any time: control messages
 *        "MAC <xx:xx:xx:xx:xx:xx>\n"  the MAC the guest programmed into its
 *                                     NIC (for the MAC-address-changes policy)
 *        "LINK up\n" / "LINK down\n"  the guest's view of the link (optional)
 * A message the receiver cannot parse (bad length, unknown control before
 * the hello, a frame before the hello) closes the connection. */
#ifndef HOSTVM_NET_VSW_PROTO_H
#define HOSTVM_NET_VSW_PROTO_H

#define VSW_PROTO_CTRL 0x80000000u
#define VSW_PROTO_LEN_MASK 0x0000ffffu
#define VSW_PROTO_HELLO_MAGIC "HOSTVM-HELLO 1\n"
#define VSW_PROTO_HELLO_MAX 1024u
#define VSW_PROTO_FRAME_MIN 14u
#define VSW_PROTO_FRAME_MAX 1522u

#endif
