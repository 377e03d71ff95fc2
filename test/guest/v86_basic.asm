; Virtual-8086 mode: entry by IRETD with VM=1, real-mode style addressing,
; CLI with IOPL 0 -> #GP(0) to the ring-0 monitor (V86 segment registers
; pushed, data segments null in the handler); with IOPL 3: INT n through a
; DPL 3 interrupt gate to ring 0 and IRETD back to V86 (ES/DS restored),
; PUSHF showing IOPL, CLI/STI allowed; HLT -> #GP(0).  INT3 is not
; IOPL-sensitive: with IOPL 0 it reaches the IDT, where its DPL 0 gate
; gives #GP(3*8+2) rather than INT n's #GP(0).
%include "pm_common.inc"
V_INTS equ VARS+0x40
V_ES   equ VARS+0x44
V_DS   equ VARS+0x48
V_FS0  equ VARS+0x4C
V_CS   equ VARS+0x50
V_FL   equ VARS+0x54

; IRETD to V86 at 0xF000:%1 with EFLAGS %2, SS:SP 0:0x6000, segments 0.
%macro ENTER_V86 2
	push dword 0
	push dword 0
	push dword 0
	push dword 0
	push dword 0
	push dword 0x6000
	push dword %2
	push dword 0xF000
	push dword %1
	iretd
%endmacro

main:
	SET_GATE 0x42, int42, 0xEE00
	mov dword [V_INTS], 0
	mov word [0x7200], 0

	; 1. IOPL 0: CLI faults.
	ON_EXC .gp1
	ENTER_V86 v86_a, 0x20002
.gp1:	mov eax, [STACK0-16]       ; ES pushed by the V86 -> ring 0 entry
	EXPECT 0x3333, 1
	mov ax, fs
	movzx eax, ax
	EXPECT 0, 2                ; FS was nulled
	EXPECT_EXC 13, 0, 3
	mov eax, [LAST_EIP]
	EXPECT v86_a.cli, 4
	mov eax, [LAST_CS]
	EXPECT 0xF000, 5
	mov eax, [LAST_FL]
	and eax, 0x23200
	EXPECT 0x20000, 6          ; VM set, IOPL 0, IF clear as entered
	movzx eax, word [0x7200]
	EXPECT 0x1234, 7
	movzx eax, word [0x33330]  ; ES = 0x3333 addresses 0x33330
	EXPECT 0xBEEF, 8

	; 2. IOPL 3: INT 0x42 to ring 0 and back, then HLT faults.
	ON_EXC .gp2
	ENTER_V86 v86_b, 0x23202
.gp2:	EXPECT_EXC 13, 0, 9
	mov eax, [LAST_EIP]
	EXPECT v86_b.hlt, 10
	mov eax, [V_INTS]
	EXPECT 1, 11
	mov eax, [V_ES]
	EXPECT 0x2222, 12
	mov eax, [V_DS]
	EXPECT 0, 13
	mov eax, [V_FS0]
	EXPECT 0, 14
	mov eax, [V_CS]
	EXPECT 0xF000, 15
	mov eax, [V_FL]
	and eax, 0x20000
	EXPECT 0x20000, 16
	movzx eax, word [0x7204]
	EXPECT 0x5678, 17
	movzx eax, word [0x7206]
	and eax, 0x3000
	EXPECT 0x3000, 18          ; PUSHF in V86 shows IOPL 3
	mov eax, [STACK0-16]
	EXPECT 0x2222, 19          ; ES survived the round trip

	; 3. INT3 with IOPL 0: the gate's DPL decides.
	ON_EXC .gp3
	ENTER_V86 v86_c, 0x20002
.gp3:	EXPECT_EXC 13, 3*8+2, 20
	mov eax, [LAST_EIP]
	EXPECT v86_c, 21
	mov ax, SEL_DATA0
	mov fs, ax
	mov gs, ax
	jmp pass

; Ring 0 handler for INT 0x42 from V86: frame EIP CS EFLAGS ESP SS ES DS FS GS.
int42:
	mov eax, [ss:esp+20]
	mov [ss:V_ES], eax
	mov eax, [ss:esp+24]
	mov [ss:V_DS], eax
	mov eax, [ss:esp+4]
	mov [ss:V_CS], eax
	mov eax, [ss:esp+8]
	mov [ss:V_FL], eax
	mov ax, fs
	movzx eax, ax
	mov [ss:V_FS0], eax
	inc dword [ss:V_INTS]
	iretd

	bits 16
v86_a:
	mov word [0x7200], 0x1234
	mov ax, 0x3333
	mov es, ax
	mov word [es:0], 0xBEEF
.cli:	cli
	jmp $

v86_b:
	mov ax, 0x2222
	mov es, ax
	int 0x42
	mov word [0x7204], 0x5678
	pushf
	pop ax
	mov [0x7206], ax
	cli
	sti
.hlt:	hlt
	jmp $

v86_c:	int3
	jmp $
	bits 32
%include "pm_tail.inc"
