; Virtual-8086 mode extensions (CR4.VME) and protected-mode virtual
; interrupts (CR4.PVI), with IOPL 0: CLI/STI change VIF instead of
; faulting; PUSHF shows VIF as IF and IOPL as 3; INT n whose bit in the
; TSS redirection bitmap is clear goes to the V86 program's own IVT (VIF
; cleared inside, restored by its 16-bit IRET); a set bit is #GP(0); POPF
; with TF set, PUSHFD, and STI with VIP pending are #GP(0).  At ring 3 with
; PVI, CLI/STI change VIF and leave IF alone.
%include "pm_common.inc"
V_CNT  equ 0x7300
V_ISRF equ 0x7302
V_F1   equ 0x7304
V_F2   equ 0x7306
V_F3   equ 0x7308

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
	; TSS0 with a redirection bitmap at 0x68 and the I/O map base at 0x88.
	mov word [TSS0+0x66], 0x88
	mov dword [TSS0+0x68+8], 0x00000004    ; vector 0x42: bit set
	mov word [GDT+SEL_TSS0], 0xFF          ; limit 0xFF
	and byte [GDT+SEL_TSS0+5], ~2          ; not busy, so LTR accepts it
	mov ax, SEL_TSS0
	ltr ax
	mov word [0x43*4], v86_isr43
	mov word [0x43*4+2], 0xF000
	mov word [V_CNT], 0
	mov eax, cr4
	or eax, 3                  ; VME | PVI
	mov cr4, eax

	; 1. CLI/STI/PUSHF/INT redirection, then POPF with TF faults.
	ON_EXC .gp1
	ENTER_V86 v86_a, 0x20002
.gp1:	EXPECT_EXC 13, 0, 1
	mov eax, [LAST_EIP]
	EXPECT v86_a.popf_tf, 2
	movzx eax, word [V_F1]
	and eax, 0x3200
	EXPECT 0x3200, 3           ; IF (= VIF) and IOPL 3 in the image
	movzx eax, word [V_F2]
	and eax, 0x3200
	EXPECT 0x3000, 4           ; after CLI: IF (= VIF) clear
	movzx eax, word [V_CNT]
	EXPECT 1, 5                ; the V86 handler ran
	movzx eax, word [V_ISRF]
	and eax, 0x200
	EXPECT 0, 6                ; VIF clear inside it
	movzx eax, word [V_F3]
	and eax, 0x200
	EXPECT 0x200, 7            ; VIF back after its IRET
	mov eax, [LAST_FL]
	and eax, 0x83200
	EXPECT 0x80000, 8          ; VIF set, IF and IOPL untouched

	; 2. INT 0x42: redirection bit set with IOPL 0 -> #GP(0).
	ON_EXC .gp2
	ENTER_V86 v86_b, 0x20002
.gp2:	EXPECT_EXC 13, 0, 9
	mov eax, [LAST_EIP]
	EXPECT v86_b.int42, 10

	; 3. PUSHFD -> #GP(0).
	ON_EXC .gp3
	ENTER_V86 v86_c, 0x20002
.gp3:	EXPECT_EXC 13, 0, 11
	mov eax, [LAST_EIP]
	EXPECT v86_c, 12

	; 4. STI with VIP pending -> #GP(0).
	ON_EXC .gp4
	ENTER_V86 v86_d, 0x120002
.gp4:	EXPECT_EXC 13, 0, 13
	mov eax, [LAST_EIP]
	EXPECT v86_d, 14

	; 5. Ring 3 with PVI: CLI and STI work on VIF.
	ON_EXC .ud
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x202
	push dword SEL_CODE3 | 3
	push dword BASE+ring3
	iret
.ud:	EXPECT_EXC 6, -1, 15
	mov eax, [LAST_FL]
	and eax, 0x80200
	EXPECT 0x200, 16           ; VIF clear after CLI, IF still set
	mov ax, SEL_DATA0
	mov fs, ax
	mov gs, ax
	jmp pass

ring3:	sti
	cli
	ud2

	bits 16
v86_a:
	cli
	sti
	pushf
	pop ax
	mov [V_F1], ax
	cli
	pushf
	pop ax
	mov [V_F2], ax
	sti
	int 0x43
	pushf
	pop ax
	mov [V_F3], ax
	push word 0x0100
.popf_tf:
	popf
	jmp $

v86_isr43:
	inc word [V_CNT]
	pushf
	pop word [V_ISRF]
	iret

v86_b:
.int42:	int 0x42
	jmp $

v86_c:	pushfd
	jmp $

v86_d:	sti
	jmp $
	bits 32
%include "pm_tail.inc"
