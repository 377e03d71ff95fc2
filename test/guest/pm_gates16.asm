; 16-bit protected mode, the way 16-bit protected-mode systems use it: an
; IRET (16-bit) from ring 0 to 16-bit ring-3 code on a 16-bit stack, a far
; CALL through a 16-bit call gate with two word parameters to 16-bit ring-0
; code on a 16-bit TSS stack, and RETF 4 back to ring 3.
%include "pm_common.inc"
SEL_C16_3  equ SEL_FREE          ; 16-bit code, DPL 3, base 0xF0000
SEL_D16_3  equ SEL_FREE+8        ; 16-bit data, DPL 3, base 0
SEL_GATE16 equ SEL_FREE+16       ; 16-bit call gate, DPL 3, 2 params
R_IP    equ 0x7400
R_CS    equ 0x7402
R_P0    equ 0x7404
R_P1    equ 0x7406
R_OSP   equ 0x7408
R_OSS   equ 0x740A
R_SP0   equ 0x740C
R_SP3   equ 0x740E

main:
	SET_DESC SEL_C16_3, 0x0000FA0F, 0x0000FFFF
	SET_DESC SEL_D16_3, 0x0000F200, 0x0000FFFF
	mov word [GDT+SEL_GATE16], gate16
	mov word [GDT+SEL_GATE16+2], SEL_CODE16
	mov word [GDT+SEL_GATE16+4], 0xE402
	mov word [GDT+SEL_GATE16+6], 0
	mov dword [TSS0+4], 0x6800           ; ring-0 stack: 16-bit, 0:0x6800
	mov dword [TSS0+8], SEL_DATA16
	ON_EXC .done
	push word SEL_D16_3 | 3
	push word 0x5000
	push word 0x0002
	push word SEL_C16_3 | 3
	push word r3_16
	o16 iret
.done:	mov dword [TSS0+4], STACK0
	mov dword [TSS0+8], SEL_DATA0
	EXPECT_EXC 6, -1, 1                ; ring 3 ends with UD2
	mov eax, [LAST_CS]
	EXPECT SEL_C16_3 | 3, 2
	movzx eax, word [R_P0]
	EXPECT 0x2222, 3
	movzx eax, word [R_P1]
	EXPECT 0x1111, 4
	movzx eax, word [R_OSP]
	EXPECT 0x5000-4, 5
	movzx eax, word [R_OSS]
	EXPECT SEL_D16_3 | 3, 6
	movzx eax, word [R_CS]
	EXPECT SEL_C16_3 | 3, 7
	movzx eax, word [R_SP0]
	EXPECT 0x6800-12, 8                ; SS SP 2 params CS IP, all words
	movzx eax, word [R_SP3]
	EXPECT 0x5000, 9                   ; RETF 4 dropped the parameters
	mov ax, SEL_DATA0
	mov fs, ax
	mov gs, ax
	jmp pass

	bits 16
r3_16:
	mov ax, SEL_D16_3 | 3
	mov ds, ax
	push word 0x1111
	push word 0x2222
	call SEL_GATE16 | 3:0
	mov [R_SP3], sp
	ud2

gate16:
	mov bp, sp
	mov [ss:R_SP0], sp
	mov ax, [bp]
	mov [ss:R_IP], ax
	mov ax, [bp+2]
	mov [ss:R_CS], ax
	mov ax, [bp+4]
	mov [ss:R_P0], ax
	mov ax, [bp+6]
	mov [ss:R_P1], ax
	mov ax, [bp+8]
	mov [ss:R_OSP], ax
	mov ax, [bp+10]
	mov [ss:R_OSS], ax
	retf 4
	bits 32
%include "pm_tail.inc"
