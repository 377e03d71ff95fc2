/* The VM side of a virtual NIC's connection to vswitchd (nicbe_).
 *
 * A nicbe connects to a port group's unix socket, speaks the protocol in
 * net/vsw_proto.h (hello, "OK <port>", frames, "MAC" control messages) and
 * keeps reconnecting with exponential backoff while vswitchd is absent.
 *
 * Threads.  All socket I/O happens on a private I/O thread.  Received frames
 * go into a bounded queue (NICBE_RXQ_FRAMES frames; when it is full the
 * newest frame is dropped and counted).  The I/O thread then calls
 * callbacks.notify (from the I/O thread: it must only wake the vCPU thread,
 * e.g. uv_async_send() or a machine event), and the vCPU thread calls
 * nicbe_poll(), which hands queued frames to callbacks.rx and link changes to
 * callbacks.link on the calling thread.  nicbe_send() and nicbe_set_mac()
 * are called from the vCPU thread; they copy the message into a bounded
 * transmit buffer that the I/O thread drains (a full buffer or a down link
 * drops the frame, counted).  Nothing here blocks the caller on the network.
 *
 * Policy (the .vmx keys ethernetN.noPromisc, .downWhenAddrMismatch and
 * .noForgedSrcAddr), enforced here before vswitchd sees anything:
 *   no_promisc        received unicast frames for another MAC are dropped;
 *   addr_mismatch     while the guest's programmed MAC differs from the
 *                     configured one the link is down to the guest,
 *                     frames are dropped both ways and the switch is told
 *                     "LINK down";
 *   no_forged_src     transmitted frames whose source MAC is not the
 *                     configured one are dropped. */
#ifndef HOSTVM_NET_NIC_BACKEND_H
#define HOSTVM_NET_NIC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The interface a NIC device model uses to reach its back end.  The real one
 * is nicbe_backend_ops (opaque = the struct nicbe *); tests plug in their own.
 * All three run on the vCPU thread. */
struct nic_backend_ops {
	/* Transmits one Ethernet frame (no FCS).  Returns 0, or a negative
	 * errno when the frame was dropped (link down, queue full, policy). */
	int (*send)(void *opaque, const void *frame, size_t len);
	/* The guest programmed its station address (receive address 0). */
	void (*set_mac)(void *opaque, const uint8_t mac[6]);
	/* The device has receive buffers again: deliver queued frames now.
	 * May be NULL. */
	void (*rx_ready)(void *opaque);
};

#define NICBE_RXQ_FRAMES 256
#define NICBE_TXBUF_BYTES (256u * 1024)
/* Where a port group's socket is when the .vmx does not say
 * (ethernetN.vswitchSocket): NICBE_DEFAULT_DIR "/<portgroup>.sock". */
#define NICBE_DEFAULT_DIR "/run/hostvm/vswitch"
#define NICBE_BACKOFF_MIN_MS 100u
#define NICBE_BACKOFF_MAX_MS 5000u
/* How long vswitchd may take to answer the hello. */
#define NICBE_HELLO_TIMEOUT_MS 5000

struct nicbe_config {
	const char *socket_path;   /* NULL: the default path for portgroup */
	const char *portgroup;     /* ethernetN.networkName (required) */
	const char *vm_name;       /* displayName */
	const char *uuid;          /* uuid.bios, may be NULL */
	unsigned nic;              /* N of ethernetN */
	uint8_t mac[6];            /* the configured MAC */
	bool no_promisc;
	bool down_when_addr_mismatch;
	bool no_forged_src;
	bool start_disconnected;   /* cable unplugged until nicbe_set_connected() */
	unsigned backoff_min_ms;   /* 0: NICBE_BACKOFF_MIN_MS */
	unsigned backoff_max_ms;   /* 0: NICBE_BACKOFF_MAX_MS */
};

struct nicbe_callbacks {
	/* vCPU thread (inside nicbe_poll): a received frame.  Return 0 when
	 * the device took it (or filtered it), -ENOBUFS to leave it queued
	 * until the next nicbe_poll(). */
	int (*rx)(void *opaque, const void *frame, size_t len);
	/* vCPU thread (inside nicbe_poll): the link as the guest should see it. */
	void (*link)(void *opaque, bool up);
	/* I/O thread: there is work for nicbe_poll().  May be NULL (then the
	 * machine must poll). */
	void (*notify)(void *opaque);
	void *opaque;
};

struct nicbe_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t rx_drop_queue;     /* receive queue full */
	uint64_t rx_drop_bad;       /* runt or oversize frame from the switch */
	uint64_t rx_drop_promisc;   /* noPromisc */
	uint64_t rx_drop_mismatch;  /* downWhenAddrMismatch */
	uint64_t tx_drop_link;      /* not connected */
	uint64_t tx_drop_full;      /* transmit buffer full */
	uint64_t tx_drop_bad;       /* runt or oversize frame from the guest */
	uint64_t tx_drop_forged;    /* noForgedSrcAddr */
	uint64_t tx_drop_mismatch;  /* downWhenAddrMismatch */
	uint64_t connects;          /* successful hellos */
	uint64_t refused;           /* ERR answers */
	uint32_t port;              /* the switch's port number while connected */
};

struct nicbe;

extern const struct nic_backend_ops nicbe_backend_ops;

/* Starts the I/O thread, which connects at once (unless
 * cfg->start_disconnected).  The strings in cfg are copied. */
int nicbe_create(const struct nicbe_config *cfg, const struct nicbe_callbacks *cb,
		 struct nicbe **out);
/* Stops the I/O thread and closes the connection.  NULL is fine. */
void nicbe_destroy(struct nicbe *be);

/* Plugs the virtual cable in or pulls it out (vmrun's connect/disconnect). */
void nicbe_set_connected(struct nicbe *be, bool connected);

int nicbe_send(struct nicbe *be, const void *frame, size_t len);
/* Records the guest's MAC and tells vswitchd ("MAC xx:..:xx") when it
 * changes.  Returns 0, or -ENOTCONN when it will be told on reconnect. */
int nicbe_set_mac(struct nicbe *be, const uint8_t mac[6]);

/* Delivers queued frames (at most NICBE_RXQ_FRAMES per call; when more
 * remain it calls notify again) and link changes to the callbacks (vCPU
 * thread).  Returns how many frames the device took. */
int nicbe_poll(struct nicbe *be);

/* The link as the guest sees it: connected, hello accepted, no mismatch. */
bool nicbe_link_up(struct nicbe *be);
void nicbe_get_stats(struct nicbe *be, struct nicbe_stats *st);

/* The socket path for a port group: dir (NULL = NICBE_DEFAULT_DIR)
 * "/<portgroup>.sock".  Returns 0 or -ENAMETOOLONG / -EINVAL when the
 * name is empty or holds a '/'. */
int nicbe_default_path(const char *dir, const char *portgroup, char *buf, size_t len);

#endif
