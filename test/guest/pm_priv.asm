; Privilege transitions: a ring-3 far CALL through a DPL 3 call gate to
; ring 0 with two dword parameters copied to the TSS stack, RETF 8 back to
; ring 3; a far CALL from ring 3 to a conforming ring-0 segment (runs at
; CPL 3); SYSENTER to ring 0 and SYSEXIT back; RDTSC with CR4.TSD and
; RDMSR at ring 3 fault with #GP(0).
%include "pm_common.inc"
SEL_GATE  equ SEL_FREE           ; call gate, DPL 3, 2 params -> gate0
SEL_CONF  equ SEL_FREE+8         ; conforming code, DPL 0
SEL_SE_CS equ SEL_FREE+16        ; SYSENTER block: code0, data0, code3, data3
R_PARAM0  equ VARS+0x40
R_PARAM1  equ VARS+0x44
R_OLDESP  equ VARS+0x48
R_OLDSS   equ VARS+0x4C
R_GATECS  equ VARS+0x50
R_GATESS  equ VARS+0x54
R_RETESP  equ VARS+0x58
R_CONFCS  equ VARS+0x5C
R_SE_CS   equ VARS+0x60
R_SE_SS   equ VARS+0x64
R_SX_CS   equ VARS+0x68
R_SX_SS   equ VARS+0x6C
R_SE_ESP  equ VARS+0x70

main:
	; Call gate: selector SEL_CODE0, offset gate0, DPL 3, 32-bit, 2 params.
	mov eax, BASE+gate0
	mov [GDT+SEL_GATE], ax
	mov word [GDT+SEL_GATE+2], SEL_CODE0
	mov word [GDT+SEL_GATE+4], 0xEC02
	shr eax, 16
	mov [GDT+SEL_GATE+6], ax
	SET_DESC SEL_CONF, 0x00CF9E00, 0x0000FFFF
	SET_DESC SEL_SE_CS, 0x00CF9A00, 0x0000FFFF
	SET_DESC SEL_SE_CS+8, 0x00CF9200, 0x0000FFFF
	SET_DESC SEL_SE_CS+16, 0x00CFFA00, 0x0000FFFF
	SET_DESC SEL_SE_CS+24, 0x00CFF200, 0x0000FFFF
	mov ecx, 0x174
	mov eax, SEL_SE_CS
	xor edx, edx
	wrmsr
	mov ecx, 0x175
	mov eax, 0x68000
	wrmsr
	mov ecx, 0x176
	mov eax, BASE+sysenter_entry
	wrmsr
	mov ecx, 0x174
	rdmsr
	EXPECT SEL_SE_CS, 1

	ON_EXC .done3
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x202
	push dword SEL_CODE3 | 3
	push dword BASE+ring3
	iret
.done3:
	EXPECT_EXC 6, -1, 2        ; ring3 ends with UD2
	mov eax, [LAST_CS]
	EXPECT (SEL_SE_CS+16) | 3, 3   ; UD2 after SYSEXIT
	mov eax, [R_PARAM0]
	EXPECT 0x11111111, 4
	mov eax, [R_PARAM1]
	EXPECT 0x22222222, 5
	mov eax, [R_OLDESP]
	EXPECT STACK3-8, 6
	mov eax, [R_OLDSS]
	EXPECT SEL_DATA3 | 3, 7
	mov eax, [R_GATECS]
	EXPECT SEL_CODE0, 8
	mov eax, [R_GATESS]
	EXPECT SEL_DATA0, 9
	mov eax, [R_RETESP]
	EXPECT STACK3, 10          ; RETF 8 removed the parameters
	mov eax, [R_CONFCS]
	EXPECT SEL_CONF | 3, 11    ; conforming: CPL stays 3
	mov eax, [R_SE_CS]
	EXPECT SEL_SE_CS, 12
	mov eax, [R_SE_SS]
	EXPECT SEL_SE_CS+8, 13
	mov eax, [R_SE_ESP]
	EXPECT 0x68000, 14
	mov eax, [R_SX_CS]
	EXPECT (SEL_SE_CS+16) | 3, 15
	mov eax, [R_SX_SS]
	EXPECT (SEL_SE_CS+24) | 3, 16

	; Ring 3 with CR4.TSD: RDTSC faults; RDMSR always does.
	mov eax, cr4
	or eax, 4
	mov cr4, eax
	ON_EXC .tsd
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x2
	push dword SEL_CODE3 | 3
	push dword BASE+ring3_rdtsc
	iret
.tsd:	EXPECT_EXC 13, 0, 17
	mov eax, [LAST_EIP]
	EXPECT BASE+ring3_rdtsc, 18
	rdtsc                      ; fine at ring 0
	mov eax, cr4
	and eax, ~4
	mov cr4, eax
	ON_EXC .msr
	push dword SEL_DATA3 | 3
	push dword STACK3
	push dword 0x2
	push dword SEL_CODE3 | 3
	push dword BASE+ring3_rdmsr
	iret
.msr:	EXPECT_EXC 13, 0, 19
	mov ax, SEL_DATA0
	mov fs, ax
	mov gs, ax
	jmp pass

; Ring 0 through the call gate.
gate0:
	mov eax, [esp+8]
	mov [ss:R_PARAM0], eax
	mov eax, [esp+12]
	mov [ss:R_PARAM1], eax
	mov eax, [esp+16]
	mov [ss:R_OLDESP], eax
	mov eax, [esp+20]
	mov [ss:R_OLDSS], eax
	mov ax, cs
	movzx eax, ax
	mov [ss:R_GATECS], eax
	mov ax, ss
	movzx eax, ax
	mov [ss:R_GATESS], eax
	retf 8

conf0:
	mov ax, cs
	movzx eax, ax
	mov [R_CONFCS], eax
	retf

sysenter_entry:
	mov ax, cs
	movzx eax, ax
	mov [ss:R_SE_CS], eax
	mov ax, ss
	movzx eax, ax
	mov [ss:R_SE_SS], eax
	mov [ss:R_SE_ESP], esp
	mov ecx, STACK3
	mov edx, BASE+ring3.after_sysexit
	sysexit

ring3:
	mov ax, SEL_DATA3 | 3
	mov ds, ax
	mov es, ax
	push dword 0x22222222
	push dword 0x11111111
	call SEL_GATE | 3:0
	mov [R_RETESP], esp
	call SEL_CONF | 3:BASE+conf0
	sysenter
.after_sysexit:
	mov ax, cs
	movzx eax, ax
	mov [R_SX_CS], eax
	mov ax, ss
	movzx eax, ax
	mov [R_SX_SS], eax
	ud2

ring3_rdtsc:
	rdtsc
	ud2
ring3_rdmsr:
	mov ecx, 0x10
	rdmsr
	ud2
%include "pm_tail.inc"
