; Exceptions through 32-bit interrupt gates with their vectors, error codes
; and saved EIPs: #DE, #BP, #OF, #BR, #UD, #NM, #TS, #NP, #SS, #GP (segment
; loads, IDT limit, gate DPL from ring 3, CR4 reserved bits, MOV CR1,
; privileged instructions at ring 3), #PF not here (paging_*.asm).
%include "pm_common.inc"
SEL_SMALLSS equ SEL_FREE        ; data, limit 0xFFF: stack limit faults
SEL_BADTSS  equ SEL_FREE+8      ; TSS with limit 0x20
SEL_CODE0B  equ SEL_FREE+16     ; code with limit 0x0FFF
main:
	; #DE: fault, EIP of the DIV.
	ON_EXC .de
	xor edx, edx
	mov eax, 1
	xor ecx, ecx
.div:	div ecx
	mov al, 1
	jmp fail
.de:	EXPECT_EXC 0, -1, 2
	mov eax, [LAST_EIP]
	EXPECT BASE+.div, 3

	; #BP: trap, EIP after INT3.
	ON_EXC .bp
	int3
.bp_ret:
	mov al, 4
	jmp fail
.bp:	EXPECT_EXC 3, -1, 5
	mov eax, [LAST_EIP]
	EXPECT BASE+.bp_ret, 6

	; #OF from INTO with OF set; nothing with OF clear.
	ON_EXC .of
	xor eax, eax
	into
	mov al, 0x7f
	add al, 1
	into
	mov al, 7
	jmp fail
.of:	EXPECT_EXC 4, -1, 8

	; #BR from BOUND.
	ON_EXC .br
	mov eax, 50
	bound eax, [BASE+bounds]
	mov eax, 200
	bound eax, [BASE+bounds]
	mov al, 9
	jmp fail
.br:	EXPECT_EXC 5, -1, 10

	; #UD from UD2 and from MOV CS, AX (8E /1).
	ON_EXC .ud
.ud2:	ud2
	mov al, 11
	jmp fail
.ud:	EXPECT_EXC 6, -1, 12
	mov eax, [LAST_EIP]
	EXPECT BASE+.ud2, 13
	ON_EXC .ud_b
	db 0x8e, 0xc8            ; mov cs, ax
	mov al, 14
	jmp fail
.ud_b:	EXPECT_EXC 6, -1, 15
	ON_EXC .ud_c
	mov eax, cr1
	mov al, 16
	jmp fail
.ud_c:	EXPECT_EXC 6, -1, 17

	; #NM: an x87 instruction with CR0.TS set.
	ON_EXC .nm
	mov eax, cr0
	or eax, 8
	mov cr0, eax
	fninit
	mov al, 18
	jmp fail
.nm:	EXPECT_EXC 7, -1, 19
	clts
	fninit

	; #NP(sel): loading a not-present data segment.
	ON_EXC .np
	mov ax, SEL_NP
	mov ds, ax
	mov al, 20
	jmp fail
.np:	EXPECT_EXC 11, SEL_NP, 21

	; #SS(sel): loading SS with a not-present writable data segment.
	ON_EXC .ss1
	mov ax, SEL_NP
	mov ss, ax
	mov al, 22
	jmp fail
.ss1:	EXPECT_EXC 12, SEL_NP, 23

	; #SS(0): a pop beyond the stack segment's limit (the delivery
	; still fits below it).
	SET_DESC SEL_SMALLSS, 0x00409200, 0x00000FFF
	ON_EXC .ss2
	mov ax, SEL_SMALLSS
	mov ss, ax
	mov esp, 0xFFE
	pop eax
	mov al, 24
	jmp fail
.ss2:	EXPECT_EXC 12, 0, 25

	; #GP(sel): SS = code segment; DS = selector beyond the GDT limit;
	; SS = null (#GP(0)); ES = RPL 3 selector of a DPL 0 segment.
	ON_EXC .gp1
	mov ax, SEL_CODE0
	mov ss, ax
	mov al, 26
	jmp fail
.gp1:	EXPECT_EXC 13, SEL_CODE0, 27
	ON_EXC .gp2
	mov ax, 0x1008
	mov ds, ax
	mov al, 28
	jmp fail
.gp2:	EXPECT_EXC 13, 0x1008, 29
	ON_EXC .gp3
	xor ax, ax
	mov ss, ax
	mov al, 30
	jmp fail
.gp3:	EXPECT_EXC 13, 0, 31
	ON_EXC .gp4
	mov ax, SEL_DATA0 | 3
	mov es, ax
	mov al, 32
	jmp fail
.gp4:	EXPECT_EXC 13, SEL_DATA0, 33
	; A null DS is fine to load but faults on use with #GP(0).
	ON_EXC .gp5
	xor ax, ax
	mov ds, ax
	mov eax, [0x100]
	mov al, 34
	jmp fail
.gp5:	EXPECT_EXC 13, 0, 35

	; INT 0x40 with a not-present interrupt gate is #NP(0x40*8+2); with
	; the IDTR limit below it, #GP(0x40*8+2).
	mov dword [IDT+0x40*8+4], 0x0E00
	ON_EXC .np2
	int 0x40
	mov al, 36
	jmp fail
.np2:	EXPECT_EXC 11, 0x40*8+2, 37
	ON_EXC .gp6
	mov word [0x7100], 0x40*8-1
	mov dword [0x7102], IDT
	lidt [0x7100]
	int 0x40
	mov al, 38
	jmp fail
.gp6:	lidt [BASE+idtr]
	EXPECT_EXC 13, 0x40*8+2, 39

	; #GP(0): reserved CR4 bit; EIP beyond CS limit via far jump.
	ON_EXC .gp7
	mov eax, cr4
	or eax, 0x40000          ; OSXSAVE: not on this CPU
	mov cr4, eax
	mov al, 40
	jmp fail
.gp7:	EXPECT_EXC 13, 0, 41
	SET_DESC SEL_CODE0B, 0x00009A0F, 0x0000FFFF
	ON_EXC .gp8
	jmp SEL_CODE0B:0x10000
	mov al, 42
	jmp fail
.gp8:	EXPECT_EXC 13, 0, 43

	; #TS(sel): JMP to a TSS whose limit is below 0x67.
	SET_DESC SEL_BADTSS, 0x00008900, 0x32000020
	ON_EXC .ts
	jmp SEL_BADTSS:0
	mov al, 44
	jmp fail
.ts:	EXPECT_EXC 10, SEL_BADTSS, 45

	; Ring 3: INT to a DPL 0 gate is #GP(vec*8+2), CLI with IOPL 0 and
	; HLT are #GP(0).
	ON_EXC .gp9
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x202
	push dword SEL_CODE3 | 3
	push dword BASE+ring3
	iret
.gp9:	EXPECT_EXC 13, 3*8+2, 46
	mov eax, [LAST_CS]
	EXPECT SEL_CODE3 | 3, 47
	ON_EXC .gp10
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x202
	push dword SEL_CODE3 | 3
	push dword BASE+ring3_cli
	iret
.gp10:	EXPECT_EXC 13, 0, 48
	ON_EXC .gp11
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x202
	push dword SEL_CODE3 | 3
	push dword BASE+ring3_hlt
	iret
.gp11:	EXPECT_EXC 13, 0, 49
	mov eax, [LAST_EIP]
	EXPECT BASE+ring3_hlt, 50
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	jmp pass

ring3:	int3                   ; gate DPL 0: #GP
	jmp $
ring3_cli:
	cli
	jmp $
ring3_hlt:
	hlt
	jmp $

	align 4
bounds:	dd 0, 100
%include "pm_tail.inc"
